# pot_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds a pot plugin: a MODULE library with hidden visibility and no undefined symbols, linked
# against the SDK only, placed in the plugin folder (POT_PLUGIN_OUTPUT_DIR, or the current binary
# dir when unset) and installed next to the project's own plugins.
function(pot_add_plugin name)
    cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
    if(NOT ARG_SOURCES)
        message(FATAL_ERROR "pot_add_plugin(${name}): SOURCES is required")
    endif()
    add_library(${name} MODULE ${ARG_SOURCES})
    if(TARGET pot::sdk)
        target_link_libraries(${name} PRIVATE pot::sdk ${ARG_LIBRARIES})
    else()
        target_link_libraries(${name} PRIVATE pot_sdk ${ARG_LIBRARIES})
    endif()
    set_target_properties(${name} PROPERTIES
        PREFIX "libpot_"
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        CXX_STANDARD 20
        CXX_STANDARD_REQUIRED ON)
    target_link_options(${name} PRIVATE -Wl,-z,defs)
    if(DEFINED POT_PLUGIN_OUTPUT_DIR)
        set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${POT_PLUGIN_OUTPUT_DIR}")
    endif()
    if(DEFINED POT_PLUGIN_SUBDIR)
        install(TARGETS ${name} LIBRARY DESTINATION "${POT_PLUGIN_SUBDIR}")
    endif()
endfunction()
