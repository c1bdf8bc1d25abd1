# shipshape_options: the settings every shipshape target shares (language level, warnings, sanitizers).
add_library(shipshape_options INTERFACE)
target_compile_features(shipshape_options INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_options(shipshape_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  # GCC 12 warns when a designated initializer leaves members to their defaults, which is the point of them.
  -Wno-missing-field-initializers)
if(SHIPSHAPE_WERROR)
  target_compile_options(shipshape_options INTERFACE -Werror)
endif()
if(SHIPSHAPE_SANITIZE)
  target_compile_options(shipshape_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  # -no-pie: UBSan's check data gives a position-independent shipshape 5 million relative relocations, which
  # the loader applied on every start (0.9 s of CPU for `shipshape --version`, 0.4 s without). Tests start the
  # binary hundreds of times, some while they measure who uses the host's CPU.
  target_link_options(shipshape_options INTERFACE -fsanitize=address,undefined -no-pie)
endif()
if(SHIPSHAPE_FUZZ)
  # Every library is instrumented for coverage; the fuzz executables add libFuzzer's main (fuzz/CMakeLists.txt).
  target_compile_options(shipshape_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(shipshape_options INTERFACE -fsanitize=address,undefined)
endif()
target_include_directories(shipshape_options INTERFACE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(shipshape_options INTERFACE
  SHIPSHAPE_VERSION="${PROJECT_VERSION}")
