/**
 * Count, mean and variance in one pass by Welford's update, and merged by Chan et al.'s formula:
 * no sum of squares that cancels catastrophically on large values.
 */
export class Moments {
  count = 0;
  mean = 0;
  /** Σ (x − mean)². */
  m2 = 0;

  add(x: number): void {
    this.count++;
    const delta = x - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (x - this.mean);
  }

  merge(other: Moments): void {
    if (other.count === 0) return;
    if (this.count === 0) {
      this.count = other.count;
      this.mean = other.mean;
      this.m2 = other.m2;
      return;
    }
    const count = this.count + other.count;
    const delta = other.mean - this.mean;
    this.mean += (delta * other.count) / count;
    this.m2 += other.m2 + (delta * delta * this.count * other.count) / count;
    this.count = count;
  }

  /** Sample standard deviation (ddof 1, as pandas' describe); null below two values. */
  get std(): number | null {
    return this.count < 2 ? null : Math.sqrt(this.m2 / (this.count - 1));
  }
}
