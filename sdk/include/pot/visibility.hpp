#pragma once

// Interfaces and the error type must be visible from every library, so that dynamic_cast and
// catch match across plugins built with -fvisibility=hidden.
/// @since ABI 2.0
#define POT_SDK_VISIBLE __attribute__((visibility("default")))
