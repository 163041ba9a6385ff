"""The benchmark: synthetic data at scale, server timings, query counts and throughput."""
