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
