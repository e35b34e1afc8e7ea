# One warning set for every target of the project.
add_compile_options(-Wall -Wextra -Wpedantic -Wno-unused-parameter)
if(POT_WERROR)
    add_compile_options(-Werror)
endif()
