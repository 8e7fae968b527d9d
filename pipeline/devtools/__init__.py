"""Developer tools: the fictional demo district, the benchmark and the guide's pictures."""
