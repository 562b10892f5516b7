# perf_plots_smoke (cmake -P): runs scripts/perf_table.py --plots on bench_smoke's JSON and
# checks that each picture the README shows was written as a non-empty PNG. Nothing in the
# pictures is compared: the numbers behind them are timings.
#   -DPYTHON=... -DSCRIPT=.../perf_table.py -DJSON=.../bench.json -DOUT=<folder for the PNGs>
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${PYTHON} ${SCRIPT} ${JSON} --plots ${OUT} -o ${OUT}/perf_table.md
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "perf_table.py --plots failed (${status})")
endif()
foreach(picture roofline.png speedup.png)
  set(path ${OUT}/${picture})
  if(NOT EXISTS ${path})
    message(FATAL_ERROR "${picture} was not written")
  endif()
  file(SIZE ${path} bytes)
  # Every PNG starts with the 8-byte signature 89 50 4E 47 0D 0A 1A 0A.
  file(READ ${path} signature LIMIT 8 HEX)
  if(bytes EQUAL 0 OR NOT signature STREQUAL "89504e470d0a1a0a")
    message(FATAL_ERROR "${picture} is not a PNG (${bytes} bytes, starts ${signature})")
  endif()
  message(STATUS "${picture}: ${bytes} bytes")
endforeach()
