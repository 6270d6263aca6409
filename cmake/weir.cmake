# Helpers that keep each component's CMakeLists.txt to a few lines.

# weir_component(NAME SOURCES... DEPS ...): a static library for one component.
function(weir_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# weir_test(NAME SOURCES... DEPS ...): a GoogleTest executable registered with CTest.
function(weir_test name)
  if(NOT WEIR_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} weir_testing GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    WEIR_SOURCE_DIR="${PROJECT_SOURCE_DIR}" WEIR_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
endfunction()
