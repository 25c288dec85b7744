# shardc_add_model(NAME name MODEL file.onnx
#                  [RANKS n] [MESH d0 d1 ...] [STRATEGY file] [CHECKPOINT file-or-pattern ...]
#                  [CHECKPOINT_STRATEGY file] [SHAPE input=1x784 ...] [SEARCH propagate|dp|exact|auto]
#                  [OPTIONS extra shardc compile arguments ...])
#
# Compiles the model at build time with `shardc compile --emit lib` into ${CMAKE_CURRENT_BINARY_DIR}/<name>.shardc
# and defines the static library target <name>: link it, include "<name>.h", open <name>_program with
# shardrt_model_open (shardrt/shardrt.h) on every rank. The compile step re-runs only when the model, a strategy
# or checkpoint file, or shardc itself changes. The weight files stay in <name>.shardc/weights/ (the header's
# <NAME>_WEIGHTS gives their pattern); the target's property SHARDC_WEIGHTS_DIR names the directory.
function(shardc_add_model)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME;MODEL;RANKS;STRATEGY;CHECKPOINT_STRATEGY;SEARCH"
                        "MESH;CHECKPOINT;SHAPE;OPTIONS")
  if(NOT ARG_NAME OR NOT ARG_MODEL)
    message(FATAL_ERROR "shardc_add_model: NAME and MODEL are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "shardc_add_model(${ARG_NAME}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.shardc")
  set(args compile "${model}" --emit lib --name ${ARG_NAME} -o "${out}" -q)
  set(depends "${model}" shardc::shardc)
  if(NOT ARG_RANKS)
    set(ARG_RANKS 1)
  endif()
  list(APPEND args --ranks ${ARG_RANKS})
  if(ARG_MESH)
    list(JOIN ARG_MESH "x" mesh)
    list(APPEND args --mesh ${mesh})
  endif()
  if(ARG_STRATEGY)
    get_filename_component(strategy "${ARG_STRATEGY}" ABSOLUTE)
    list(APPEND args --strategy "${strategy}")
    list(APPEND depends "${strategy}")
  endif()
  if(ARG_CHECKPOINT_STRATEGY)
    get_filename_component(cs "${ARG_CHECKPOINT_STRATEGY}" ABSOLUTE)
    list(APPEND args --checkpoint-strategy "${cs}")
    list(APPEND depends "${cs}")
  endif()
  foreach(ckpt ${ARG_CHECKPOINT})
    if(ckpt MATCHES "{rank}")
      list(APPEND args --checkpoint "${ckpt}")
    else()
      get_filename_component(ckpt "${ckpt}" ABSOLUTE)
      list(APPEND args --checkpoint "${ckpt}")
      list(APPEND depends "${ckpt}")
    endif()
  endforeach()
  foreach(shape ${ARG_SHAPE})
    list(APPEND args --shape ${shape})
  endforeach()
  if(ARG_SEARCH)
    list(APPEND args --search ${ARG_SEARCH})
  endif()
  list(APPEND args ${ARG_OPTIONS})
  set(weights "")
  math(EXPR last "${ARG_RANKS} - 1")
  foreach(r RANGE ${last})
    list(APPEND weights "${out}/weights/rank_${r}.bin")
  endforeach()
  add_custom_command(
    OUTPUT "${out}/lib/${ARG_NAME}.o" "${out}/include/${ARG_NAME}.h"
    BYPRODUCTS ${weights} "${out}/manifest.json"
    COMMAND shardc::shardc ${args}
    DEPENDS ${depends}
    COMMENT "shardc: compiling ${ARG_MODEL} for ${ARG_RANKS} rank(s)"
    VERBATIM)
  add_custom_target(${ARG_NAME}_shardc DEPENDS "${out}/lib/${ARG_NAME}.o" "${out}/include/${ARG_NAME}.h")
  set_source_files_properties("${out}/lib/${ARG_NAME}.o" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${ARG_NAME} STATIC "${out}/lib/${ARG_NAME}.o")
  add_dependencies(${ARG_NAME} ${ARG_NAME}_shardc)
  set_target_properties(${ARG_NAME} PROPERTIES LINKER_LANGUAGE CXX SHARDC_WEIGHTS_DIR "${out}/weights")
  # The include directory is created by the compile step; CMake wants it to exist at configure time.
  file(MAKE_DIRECTORY "${out}/include")
  target_include_directories(${ARG_NAME} PUBLIC "${out}/include")
  target_link_libraries(${ARG_NAME} PUBLIC shardc::shardrt)
endfunction()
