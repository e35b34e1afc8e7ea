# One warning set for every target of the project.
add_compile_options(-Wall -Wextra -Wpedantic -Wno-unused-parameter)
if(POT_WERROR)
    add_compile_options(-Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # `omp simd` is a hint; clang reports every loop it could not vectorize, which instrumented
    # builds (sanitizers, fuzzing) cannot do for some of them.
    add_compile_options(-Wno-pass-failed)
endif()
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # A unity source includes the .cpp files, so GCC judges each one as a header: a class there
    # with a member or base from that file's anonymous namespace would be shared between units.
    # Not so for a .cpp, compiled once; headers are checked by the non-unity builds.
    add_compile_options(-Wno-subobject-linkage)
endif()
