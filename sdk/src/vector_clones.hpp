#pragma once

// POT_VECTOR_CLONES marks a hot loop function to be compiled once per x86-64 instruction set
// (AVX-512, AVX2, baseline) with the best picked when the library loads, so one binary uses the
// full vector width of the machine it runs on. Pair it with `#pragma omp simd` on the loop
// (the SDK builds with -fopenmp-simd; no OpenMP runtime). Other compilers and CPUs get the plain
// function.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define POT_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define POT_VECTOR_CLONES
#endif
