# lucid_bench_common: what lucid-bench and lucid-bench-jit share beyond lucid_measure (the
# suite file, problem buffers, pass runners, reference oracle and median timer, which
# lucid-tune uses too): the FMA peak and STREAM triad probes. Included from each user's
# CMakeLists.txt; include_guard defines the target once whatever the order.
include_guard(GLOBAL)

add_library(lucid_bench_common STATIC
  ${CMAKE_CURRENT_LIST_DIR}/fma_peak.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_triad.cpp)
target_include_directories(lucid_bench_common PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(lucid_bench_common PUBLIC lucid_measure lucid_jit lucid_spec)

# lucid_bench_command_line: our options through CLI11, the rest to Google Benchmark.
find_package(benchmark REQUIRED)
add_library(lucid_bench_command_line STATIC ${CMAKE_CURRENT_LIST_DIR}/benchmark_command_line.cpp)
target_include_directories(lucid_bench_command_line PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(lucid_bench_command_line PUBLIC lucid_command_line benchmark::benchmark)
