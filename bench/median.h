// The median of timed repetitions, shared by the whole-component benchmarks.
#ifndef FEDCLOAK_BENCH_MEDIAN_H_
#define FEDCLOAK_BENCH_MEDIAN_H_

#include <algorithm>
#include <vector>

namespace fedcloak::bench {

// REQUIRES: !v.empty(). The mean of the two middle values for an even count.
inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace fedcloak::bench

#endif  // FEDCLOAK_BENCH_MEDIAN_H_
