/**
 * Neumaier's compensated sum: scikit-learn sums with numpy's pairwise summation, and a plain
 * running sum over a million rows drifts further from it than the 1e-9 we promise.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}
