# CI smoke runs of the benchmark tools (included from tests/CMakeLists.txt). They check that
# lucid-tune, lucid-bench and perf_table.py start, agree on files and finish on one tiny layer;
# nothing is timed or compared, the budgets are only there to keep CI short.
#   tune_smoke:       lucid-tune --budget 2 on seed_decoder into a fresh database
#   bench_smoke:      lucid-bench on a one-layer suite with that database (lucid_tuned row)
#   perf_table_smoke: perf_table.py on bench_smoke's JSON (medians only, as scripts/bench.sh writes)
#   perf_plots_smoke: perf_table.py --plots on it, with Debian's Python (python3-matplotlib):
#                     the README's PNGs are written and are PNGs (tests/check_perf_plots.cmake)
#   profile_smoke:    tools/profile/lucid_profile.py on a small layer: lucid-aot, the C driver
#                     and perf agree, and the samples land in a kernel's loops (skipped where
#                     perf may not sample, as in a container without perf_event_open)
set(LUCID_SMOKE_DIR ${CMAKE_BINARY_DIR}/test-cache/bench-smoke)
set(LUCID_SMOKE_ENV "LUCID_JIT_CACHE_DIR=${LUCID_SMOKE_DIR}/cache;LUCID_TUNING_DB=${LUCID_SMOKE_DIR}/tuning.json")
file(WRITE ${LUCID_SMOKE_DIR}/suite.json [=[
[{"name": "seed_decoder", "in_channels": 4, "out_channels": 2, "kernel": 3, "stride": 2,
  "padding": 1, "output_padding": 1, "dilation": 1, "groups": 1, "batch": 1, "length": 5}]
]=])

if(TARGET lucid-tune)
  add_test(NAME tune_smoke COMMAND lucid-tune --suite ${LUCID_SMOKE_DIR}/suite.json --budget 2
    --no-progress)
  set_tests_properties(tune_smoke PROPERTIES ENVIRONMENT "${LUCID_SMOKE_ENV}"
    FIXTURES_SETUP lucid_tuning_db)
endif()

if(TARGET lucid-bench)
  add_test(NAME bench_smoke COMMAND lucid-bench --suite=${LUCID_SMOKE_DIR}/suite.json
    --check --benchmark_min_time=0.001 --reference_min_time=0.001
    --benchmark_out=${LUCID_SMOKE_DIR}/bench.json --benchmark_out_format=json
    # scripts/bench.sh's repetition flags, so perf_table_smoke reads medians out of order.
    --benchmark_repetitions=2 --benchmark_enable_random_interleaving=true
    --benchmark_report_aggregates_only=true)
  # A benchmark that could not run (a kernel error, a rejected primitive, or with --check a
  # result that differs from the reference loops) fails the smoke.
  set_tests_properties(bench_smoke PROPERTIES ENVIRONMENT "${LUCID_SMOKE_ENV}"
    FIXTURES_REQUIRED lucid_tuning_db FIXTURES_SETUP lucid_bench_json
    FAIL_REGULAR_EXPRESSION "ERROR OCCURRED")
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME perf_table_smoke COMMAND ${Python3_EXECUTABLE}
      ${PROJECT_SOURCE_DIR}/scripts/perf_table.py ${LUCID_SMOKE_DIR}/bench.json)
    set_tests_properties(perf_table_smoke PROPERTIES FIXTURES_REQUIRED lucid_bench_json
      PASS_REGULAR_EXPRESSION "\\| seed_decoder \\| [0-9]")
  endif()
  # setup.sh installs matplotlib for Debian's Python, which a venv's python3 may not see.
  if(EXISTS /usr/bin/python3)
    set(LUCID_PLOT_PYTHON /usr/bin/python3)
  else()
    set(LUCID_PLOT_PYTHON ${Python3_EXECUTABLE})
  endif()
  if(LUCID_PLOT_PYTHON)
    add_test(NAME perf_plots_smoke COMMAND ${CMAKE_COMMAND} -DPYTHON=${LUCID_PLOT_PYTHON}
      -DSCRIPT=${PROJECT_SOURCE_DIR}/scripts/perf_table.py -DJSON=${LUCID_SMOKE_DIR}/bench.json
      -DOUT=${LUCID_SMOKE_DIR}/plots -P ${CMAKE_CURRENT_SOURCE_DIR}/check_perf_plots.cmake)
    set_tests_properties(perf_plots_smoke PROPERTIES FIXTURES_REQUIRED lucid_bench_json)
  endif()
endif()

if(TARGET lucid-aot AND EXISTS /usr/bin/python3)
  add_test(NAME profile_smoke COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tools/profile/lucid_profile.py
    "ConvTranspose1d(64, 32, 4, stride=2, padding=1)" backward_data --batch 1 --length 2048 --seconds 0.5
    --aot $<TARGET_FILE:lucid-aot>)
  # The pass's own function must hold the samples, broken down by loops with FMAs.
  set_tests_properties(profile_smoke PROPERTIES SKIP_RETURN_CODE 77
    PASS_REGULAR_EXPRESSION "%  bwd_data[^\n]*\n +[0-9.]+%  loop [0-9a-f]+-[0-9a-f]+ +[0-9]+ instructions: [1-9][0-9]* FMA")
endif()
