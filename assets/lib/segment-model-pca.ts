import { PCA } from 'ml-pca'
import { doubleLiteral } from './sql-literals.js'

/** SPEC §5: min(6, 7) components. */
export const PCA_COMPONENTS = 6

export type Matrix = number[][]

/** The model's map from the seven features to PCA space: p = ((x − means) / scales) · componentsᵀ. */
export interface Projection {
  readonly means: readonly number[]
  readonly scales: readonly number[]
  readonly components: readonly (readonly number[])[]
}

/** Covariance of the standardised columns: cov_jk / (scale_j · scale_k); a constant column stays all zero. */
export function standardisedCovariance(covariance: Matrix, scales: readonly number[]): Matrix {
  return covariance.map((row, j) => row.map((v, k) => v / scales[j]! / scales[k]!))
}

/**
 * Eigen-decomposition of the standardised covariance (ml-pca), the first six axes. Signs are
 * arbitrary in PCA; each axis is flipped so that its largest-|loading| entry (lowest index on a
 * tie) is positive, so reruns and other tools get the same signs. The explained variance ratio
 * is relative to the total variance of all seven standardised columns (the trace).
 */
export function principalComponents(covariance: Matrix): { components: Matrix; explainedVarianceRatio: number[] } {
  const pca = new PCA(covariance, { isCovarianceMatrix: true })
  const loadings = pca.getLoadings().to2DArray()
  const eigenvalues = pca.getEigenvalues()
  const components = loadings.slice(0, PCA_COMPONENTS).map((axis) => {
    let top = 0
    for (let i = 1; i < axis.length; i++) if (Math.abs(axis[i]!) > Math.abs(axis[top]!)) top = i
    return axis[top]! < 0 ? axis.map((v) => (v === 0 ? 0 : -v)) : axis.map((v) => (v === 0 ? 0 : v))
  })
  let trace = 0
  covariance.forEach((row, j) => (trace += row[j]!))
  const explainedVarianceRatio = eigenvalues.slice(0, PCA_COMPONENTS).map((value) => (trace > 0 ? Math.max(value, 0) / trace : 0))
  return { components, explainedVarianceRatio }
}

/**
 * The projection as SQL select items, term by term in the same order as `project`, so that
 * JavaScript and DuckDB get the same bits: `z` (z0…z6 from the SQL expressions `inputs` of the
 * seven features) and `p` (p0…, from the z columns, for a SELECT over the one with z).
 */
export function projectionSql(inputs: readonly string[], projection: Projection): { z: string[]; p: string[] } {
  const z = inputs.map((x, j) => `((${x} - ${doubleLiteral(projection.means[j] ?? NaN)}) / ${doubleLiteral(projection.scales[j] ?? NaN)}) AS z${j}`)
  const p = projection.components.map((axis, a) => `(${axis.map((w, j) => `z${j} * ${doubleLiteral(w)}`).join(' + ')}) AS p${a}`)
  return { z, p }
}

/** ((x − mean) / scale) · componentsᵀ for n × 7 row-major rows, term by term (projectionSql is the SQL of the same). */
export function project(data: Float64Array, means: readonly number[], scales: readonly number[], components: Projection['components']): Float64Array {
  const d = means.length
  const m = components.length
  const n = data.length / d
  const z = new Float64Array(d)
  const out = new Float64Array(n * m)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = (data[i * d + j]! - means[j]!) / scales[j]!
    for (let c = 0; c < m; c++) {
      const axis = components[c]!
      let p = z[0]! * axis[0]!
      for (let j = 1; j < d; j++) p += z[j]! * axis[j]!
      out[i * m + c] = p
    }
  }
  return out
}
