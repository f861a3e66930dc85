# Thin wrapper over CMake: `make`, `make test`, `make asan`, `make fuzz`.
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all test asan fuzz demo clean

all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLACUS_SANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

fuzz:
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DLACUS_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target fuzz_npy fuzz_npz fuzz_csv

demo: all
	./$(BUILD)/lacus demo

clean:
	rm -rf build build-asan build-fuzz
