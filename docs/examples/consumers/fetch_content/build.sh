cmake -S . -B build -DDAEMONIKER_URL="$url" -DBUILD_SHARED_LIBS=ON
cmake --build build -j2
