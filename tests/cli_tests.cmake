# Wiring for the command-line tests (included from tests/CMakeLists.txt):
#   test_command_line:       lucid_command_line itself (tools/common/), in process
#   test_tool_command_lines: every tool's binary with --help, both value forms and a bad
#                            option; it gets each binary's path as LUCID_<TOOL>_PATH
if(TARGET test_command_line)
  target_link_libraries(test_command_line PRIVATE lucid_command_line)
endif()

if(TARGET test_tool_command_lines)
  foreach(tool lucid-demo lucid-run lucid-aot lucid-tune lucid-bench lucid-bench-jit
               lucid-compile-profile)
    if(TARGET ${tool})
      string(TOUPPER ${tool} macro)
      string(REPLACE "-" "_" macro ${macro})
      target_compile_definitions(test_tool_command_lines PRIVATE
        ${macro}_PATH="$<TARGET_FILE:${tool}>")
      add_dependencies(test_tool_command_lines ${tool})
    endif()
  endforeach()
endif()
