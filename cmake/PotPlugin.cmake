# pot_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>]
#                [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a pot plugin: a MODULE library named libpot_<name>.so with hidden visibility and no
# undefined symbols, linked against the SDK (pot::sdk), never against the host. It is placed in
# OUTPUT_DIRECTORY, else POT_PLUGIN_OUTPUT_DIR when set (the project's own plugin folder), else the
# current binary folder; and installed into the plugin folder unless NO_INSTALL is given.
# pot_add_plugin_library(<name> <sources...>)
#
# A static library of plugin code (shared by several plugins, or linked by tests that call it
# without loading the plugin): position-independent, hidden visibility, so two plugins loaded
# together never interpose their copies on each other; linked against the SDK and exporting its
# own folder as an include directory.
function(pot_add_plugin_library name)
    add_library(${name} STATIC ${ARGN})
    target_link_libraries(${name} PUBLIC pot::sdk)
    target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
    set_target_properties(${name} PROPERTIES
        POSITION_INDEPENDENT_CODE ON
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON)
endfunction()

function(pot_add_plugin name)
    cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
    if(NOT ARG_SOURCES)
        message(FATAL_ERROR "pot_add_plugin(${name}): SOURCES is required")
    endif()
    add_library(${name} MODULE ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE pot::sdk ${ARG_LIBRARIES})
    set_target_properties(${name} PROPERTIES
        PREFIX "libpot_"
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        CXX_STANDARD 20
        CXX_STANDARD_REQUIRED ON)
    target_link_options(${name} PRIVATE -Wl,-z,defs)
    if(ARG_OUTPUT_DIRECTORY)
        set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
    elseif(DEFINED POT_PLUGIN_OUTPUT_DIR)
        set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${POT_PLUGIN_OUTPUT_DIR}")
    endif()
    if(NOT ARG_NO_INSTALL)
        if(DEFINED POT_PLUGIN_SUBDIR)
            install(TARGETS ${name} LIBRARY DESTINATION "${POT_PLUGIN_SUBDIR}")
        elseif(DEFINED POT_INSTALLED_PLUGIN_DIR)
            install(TARGETS ${name} LIBRARY DESTINATION "${POT_INSTALLED_PLUGIN_DIR}")
        endif()
    endif()
endfunction()
