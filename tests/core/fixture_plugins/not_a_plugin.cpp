// A shared library without the pot entry point.
extern "C" int fixture_not_a_plugin() { return 42; }
