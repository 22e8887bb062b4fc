// Containers for secret material: key shares, seeds, mask keys, flooding noise.
//
// SecretVector<T> owns a contiguous buffer that is wiped with sodium_memzero before its
// memory is released (on destruction, on resize that reallocates, on move-assignment
// over it). It is movable but not implicitly copyable (Clone() says so in the code),
// has no stream output, and compares in constant time. Not thread-safe; one owner.
#ifndef FEDCLOAK_BASE_SECRET_H_
#define FEDCLOAK_BASE_SECRET_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

namespace fedcloak {
namespace internal {

// Wipes `size` bytes at `data` in a way the compiler may not elide.
void SecureWipe(void* data, size_t size);

// Constant-time comparison of two equal-length byte ranges.
bool ConstantTimeBytesEqual(const void* a, const void* b, size_t size);

// Observer policy with no effect; tests pass their own to observe the wipe.
struct NoWipeObserver {
  static void OnWiped(const void* /*data*/, size_t /*size*/) {}
};

}  // namespace internal

// std::allocator that wipes memory before releasing it. `Observer::OnWiped` is called
// after the wipe and before the free; tests use it to check that the bytes are zero.
template <typename T, typename Observer = internal::NoWipeObserver>
class ZeroizingAllocator {
 public:
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = ZeroizingAllocator<U, Observer>;
  };

  ZeroizingAllocator() noexcept = default;
  template <typename U>
  ZeroizingAllocator(const ZeroizingAllocator<U, Observer>&) noexcept {}  // NOLINT

  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) noexcept {
    internal::SecureWipe(p, n * sizeof(T));
    Observer::OnWiped(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }

  template <typename U>
  bool operator==(const ZeroizingAllocator<U, Observer>&) const noexcept {
    return true;
  }
};

template <typename T, typename Observer = internal::NoWipeObserver>
class SecretVector {
  static_assert(std::is_trivially_copyable_v<T>, "secret elements must be plain data");

 public:
  using Storage = std::vector<T, ZeroizingAllocator<T, Observer>>;

  SecretVector() = default;
  explicit SecretVector(size_t size) : data_(size) {}
  SecretVector(size_t size, T value) : data_(size, value) {}
  SecretVector(std::span<const T> values) : data_(values.begin(), values.end()) {}  // NOLINT

  SecretVector(SecretVector&&) noexcept = default;
  SecretVector& operator=(SecretVector&& other) noexcept {
    if (this != &other) {
      Wipe();
      data_ = std::move(other.data_);
    }
    return *this;
  }
  SecretVector(const SecretVector&) = delete;
  SecretVector& operator=(const SecretVector&) = delete;
  ~SecretVector() { Wipe(); }

  // An explicit copy: secrets are never duplicated by accident.
  SecretVector Clone() const { return SecretVector(std::span<const T>(data_)); }

  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  std::span<T> span() { return std::span<T>(data_); }
  std::span<const T> span() const { return std::span<const T>(data_); }
  auto begin() { return data_.begin(); }
  auto end() { return data_.end(); }
  auto begin() const { return data_.begin(); }
  auto end() const { return data_.end(); }

  // Resizing that reallocates wipes the old buffer through the allocator.
  void resize(size_t size) { data_.resize(size); }

  // Overwrites the contents with zeros, keeping the size.
  void Wipe() {
    if (!data_.empty()) internal::SecureWipe(data_.data(), data_.size() * sizeof(T));
  }

  // Constant time in the contents (the sizes are public).
  bool Equals(const SecretVector& other) const {
    return data_.size() == other.data_.size() &&
           internal::ConstantTimeBytesEqual(data_.data(), other.data_.data(),
                                            data_.size() * sizeof(T));
  }
  friend bool operator==(const SecretVector& a, const SecretVector& b) { return a.Equals(b); }

 private:
  Storage data_;
};

using SecretBytes = SecretVector<uint8_t>;

}  // namespace fedcloak

#endif  // FEDCLOAK_BASE_SECRET_H_
