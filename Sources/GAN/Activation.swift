import Linalg

/// The notebook's activations, each a single fused pass over a buffer.
public enum Activation {
    /// `h += b; a = max(h, alpha * h)`: keeps the pre-activation `h` for the backward pass.
    public static func addBiasLeakyReLU(_ h: inout Matrix, bias: Matrix, alpha: Float, into a: inout Matrix) {
        let columns = h.columns
        let rows = h.rows
        h.storage.withUnsafeMutableBufferPointer { hp in
            a.storage.withUnsafeMutableBufferPointer { ap in
                bias.storage.withUnsafeBufferPointer { bp in
                    guard let h = hp.baseAddress, let a = ap.baseAddress, let b = bp.baseAddress else { return }
                    for r in 0..<rows {
                        let hr = h + r * columns, ar = a + r * columns
                        for c in 0..<columns {
                            let v = hr[c] + b[c]
                            hr[c] = v
                            ar[c] = max(v, alpha * v)
                        }
                    }
                }
            }
        }
    }

    /// `g *= (h > 0 ? 1 : alpha)`: the leaky ReLU's backward pass, in place.
    public static func leakyReLUBackward(_ gradient: inout Matrix, preActivation h: Matrix, alpha: Float) {
        gradient.storage.withUnsafeMutableBufferPointer { gp in
            h.storage.withUnsafeBufferPointer { hp in
                for i in gp.indices { gp[i] *= hp[i] > 0 ? 1 : alpha }
            }
        }
    }

    /// `x = tanh(o + b)` over the generator's output layer.
    public static func addBiasTanh(_ o: Matrix, bias: Matrix, into x: inout Matrix) {
        let columns = o.columns
        let rows = o.rows
        o.storage.withUnsafeBufferPointer { op in
            x.storage.withUnsafeMutableBufferPointer { xp in
                bias.storage.withUnsafeBufferPointer { bp in
                    guard let o = op.baseAddress, let x = xp.baseAddress, let b = bp.baseAddress else { return }
                    for r in 0..<rows {
                        let or = o + r * columns, xr = x + r * columns
                        for c in 0..<columns { xr[c] = Elementwise.fastTanh(or[c] + b[c]) }
                    }
                }
            }
        }
    }

    /// `g *= 1 - x²` where `x = tanh(o)`: the tanh backward pass, from the output.
    public static func tanhBackward(_ gradient: inout Matrix, output x: Matrix) {
        gradient.storage.withUnsafeMutableBufferPointer { gp in
            x.storage.withUnsafeBufferPointer { xp in
                for i in gp.indices { gp[i] *= 1 - xp[i] * xp[i] }
            }
        }
    }
}
