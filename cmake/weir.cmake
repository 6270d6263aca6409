# Helpers that keep each folder's CMakeLists.txt to a few lines.

# weir_library(NAME SOURCES ... DEPS ...): a static library; sources include from the root.
function(weir_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# weir_component(NAME SOURCES ... DEPS ...): the library of one receiver, processor, exporter or
# extension. It is registered so cmd/weir links every component without a second edit; the
# factory still needs its one line in cmd/weir/components.cc.
function(weir_component name)
  weir_library(${name} ${ARGN})
  set_property(GLOBAL APPEND PROPERTY WEIR_COMPONENT_LIBRARIES ${name})
endfunction()

# weir_test(NAME SOURCES ... DEPS ...): a GoogleTest executable registered with CTest.
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
