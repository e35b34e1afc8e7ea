"""bench/report.py's reading of oneDNN verbose logs: the steady-state inference is the period of
the log's trailing lines, also when the engine's team writes two threads' lines in either order."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import report  # noqa: E402


def exec_line(kind, impl, ms):
    return f"onednn_verbose,exec,cpu,{kind},{impl},forward_inference,src_f32 dst_f32,,,1x8,{ms}"


class PeriodOf(unittest.TestCase):
    def test_plain_sequence(self):
        warmup = ["reorder,w"] * 3
        self.assertEqual(report.period_of(warmup + ["a", "b", "c"] * 4, 3), 3)

    def test_bands_of_two_threads_in_either_order(self):
        inferences = [["conv,a", "conv,a", "pool,b", "pool,b", "fc,c"],
                      ["conv,a", "pool,b", "conv,a", "pool,b", "fc,c"],
                      ["pool,b", "conv,a", "conv,a", "pool,b", "fc,c"]]
        sequence = ["reorder,w"] + [s for inference in inferences for s in inference]
        self.assertEqual(report.period_of(sequence, 3), 5)

    def test_no_period(self):
        self.assertIsNone(report.period_of(["a", "b", "c", "d", "e", "f"], 3))


class ParseVerbose(unittest.TestCase):
    def test_interleaved_log_gives_one_inference(self):
        lines = ["onednn_verbose,info,cpu,isa:Intel AVX-512", exec_line("reorder", "jit:uni", 5.0)]
        for first in ("a", "b", "a"):
            second = "b" if first == "a" else "a"
            lines += [exec_line("convolution", f"jit:{first}", 1.0), exec_line("convolution", f"jit:{second}", 1.0),
                      exec_line("matmul", "brg", 0.5)]
        lines.append('{"latency_median_ms": 2.6}')
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(lines) + "\n")
        try:
            parsed = report.parse_verbose(f.name, 3)
        finally:
            os.unlink(f.name)
        self.assertIsNotNone(parsed)
        self.assertEqual(parsed["primitives"], 3)
        self.assertAlmostEqual(parsed["sum_ms"], 2.5)
        self.assertEqual(parsed["verbose_median_ms"], 2.6)


if __name__ == "__main__":
    unittest.main()
