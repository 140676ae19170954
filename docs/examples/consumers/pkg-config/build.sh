export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
g++ -std=c++20 -o app app.cc $(pkg-config --cflags --libs daemoniker)
