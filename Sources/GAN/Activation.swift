import Linalg

/// The notebook's activations, each a single fused, vectorized pass over a buffer.
public enum Activation {
    typealias V = Elementwise.Vector

    /// `h += b; a = max(h, alpha * h)`: keeps the pre-activation `h` for the backward pass.
    public static func addBiasLeakyReLU(_ h: inout Matrix, bias: Matrix, alpha: Float, into a: inout Matrix) {
        let columns = h.columns, rows = h.rows
        h.storage.withUnsafeMutableBufferPointer { hp in
            a.storage.withUnsafeMutableBufferPointer { ap in
                bias.storage.withUnsafeBufferPointer { bp in
                    guard let h = hp.baseAddress, let a = ap.baseAddress, let b = bp.baseAddress else { return }
                    let alphaV = V(repeating: alpha)
                    for r in 0..<rows {
                        let hr = h + r * columns, ar = a + r * columns
                        Elementwise.forEachLane(count: columns, vector: { c in
                            let v = Elementwise.load(hr + c) + Elementwise.load(b + c)
                            Elementwise.store(v, hr + c)
                            let scaled = alphaV * v
                            Elementwise.store(v.replacing(with: scaled, where: scaled .> v), ar + c)
                        }, scalar: { c in
                            let v = hr[c] + b[c]
                            hr[c] = v
                            ar[c] = max(v, alpha * v)
                        })
                    }
                }
            }
        }
    }

    /// `g *= (h > 0 ? 1 : alpha)`: the leaky ReLU's backward pass, in place.
    public static func leakyReLUBackward(_ gradient: inout Matrix, preActivation h: Matrix, alpha: Float) {
        gradient.storage.withUnsafeMutableBufferPointer { gp in
            h.storage.withUnsafeBufferPointer { hp in
                guard let g = gp.baseAddress, let h = hp.baseAddress else { return }
                let alphaV = V(repeating: alpha), zero = V(repeating: 0)
                Elementwise.forEachLane(count: gp.count, vector: { i in
                    let slope = alphaV.replacing(with: 1, where: Elementwise.load(h + i) .> zero)
                    Elementwise.store(Elementwise.load(g + i) * slope, g + i)
                }, scalar: { i in
                    g[i] *= h[i] > 0 ? 1 : alpha
                })
            }
        }
    }

    /// `x = tanh(o + b)` over the generator's output layer.
    public static func addBiasTanh(_ o: Matrix, bias: Matrix, into x: inout Matrix) {
        let columns = o.columns, rows = o.rows
        o.storage.withUnsafeBufferPointer { op in
            x.storage.withUnsafeMutableBufferPointer { xp in
                bias.storage.withUnsafeBufferPointer { bp in
                    guard let o = op.baseAddress, let x = xp.baseAddress, let b = bp.baseAddress else { return }
                    for r in 0..<rows {
                        let or = o + r * columns, xr = x + r * columns
                        Elementwise.forEachLane(count: columns, vector: { c in
                            Elementwise.store(Elementwise.fastTanh(Elementwise.load(or + c) + Elementwise.load(b + c)), xr + c)
                        }, scalar: { c in
                            xr[c] = Elementwise.fastTanh(or[c] + b[c])
                        })
                    }
                }
            }
        }
    }

    /// `g *= 1 - x²` where `x = tanh(o)`: the tanh backward pass, from the output.
    public static func tanhBackward(_ gradient: inout Matrix, output x: Matrix) {
        gradient.storage.withUnsafeMutableBufferPointer { gp in
            x.storage.withUnsafeBufferPointer { xp in
                guard let g = gp.baseAddress, let x = xp.baseAddress else { return }
                let one = V(repeating: 1)
                Elementwise.forEachLane(count: gp.count, vector: { i in
                    let xi = Elementwise.load(x + i)
                    Elementwise.store(Elementwise.load(g + i) * (one - xi * xi), g + i)
                }, scalar: { i in
                    g[i] *= 1 - x[i] * x[i]
                })
            }
        }
    }
}
