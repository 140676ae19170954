cmake -S . -B build
cmake --build build -j2
