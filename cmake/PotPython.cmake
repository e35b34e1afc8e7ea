# Finds what the Python package (python/) needs and adds it, or says why it is left out.
# Sets POT_PYTHON_ENABLED, and POT_PYTHON_INSTALL_DIR: the site folder under the install prefix.
set(POT_PYTHON_ENABLED OFF)
if(NOT POT_BUILD_PYTHON)
    message(STATUS "Python package: off (POT_BUILD_PYTHON=OFF)")
    return()
endif()
# The interpreter is not instrumented: importing a sanitized module would need the sanitizer
# runtime preloaded into python3, whose own allocations and exit then trip the checks. The C++ the
# package calls (core, plugins) runs under the sanitizers in the GoogleTest suite; the package and
# its tests (tests/python) are built and run by the optimized build.
if(POT_SANITIZE OR POT_FUZZ)
    message(STATUS "Python package: off in sanitizer and fuzzing builds (the interpreter is not instrumented)")
    return()
endif()

# numpy and OpenCV's cv2 come from Debian's packages (scripts/setup-debian.sh), which serve the
# system interpreter: prefer it to whichever python3 comes first on PATH.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
    set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module)
if(Python3_FOUND)
    find_package(pybind11 2.6 CONFIG QUIET)
endif()
if(NOT Python3_FOUND OR NOT pybind11_FOUND)
    message(STATUS "Python package: off (needs Python 3 with its headers and pybind11: "
                   "apt-get install python3-dev pybind11-dev; POT_BUILD_PYTHON=OFF silences this)")
    return()
endif()
execute_process(
    COMMAND "${Python3_EXECUTABLE}" -c
        "import os, sysconfig; print(os.path.relpath(sysconfig.get_path('platlib'), sysconfig.get_path('data')))"
    OUTPUT_VARIABLE default_site_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
set(POT_PYTHON_INSTALL_DIR "${default_site_dir}" CACHE STRING
    "Where `cmake --install` puts the Python package, relative to the install prefix")
set(POT_PYTHON_ENABLED ON)
message(STATUS "Python package: on (${Python3_EXECUTABLE}, pybind11 ${pybind11_VERSION}; "
               "installs into <prefix>/${POT_PYTHON_INSTALL_DIR})")
add_subdirectory(python)
