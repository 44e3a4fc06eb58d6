import Linalg

/// The notebook's activations, each a single fused, vectorized pass over a block.
///
/// The block forms are what training runs, one lane's rows at a time; the `Matrix`
/// forms pin a whole matrix and call them.
public enum Activation {
    typealias V = Elementwise.Vector

    /// `h += b; a = max(h, alpha * h)`: keeps the pre-activation `h` for the backward pass.
    public static func addBiasLeakyReLU(_ h: MatrixBlock, bias b: UnsafePointer<Float>, alpha: Float, into a: MatrixBlock) {
        precondition(h.rows == a.rows && h.columns == a.columns, "leaky ReLU shapes differ")
        let alphaV = V(repeating: alpha)
        for r in 0..<h.rows {
            let hr = h.row(r), ar = a.row(r)
            Elementwise.forEachLane(count: h.columns, vector: { c in
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

    /// `g *= (h > 0 ? 1 : alpha)`: the leaky ReLU's backward pass, in place.
    public static func leakyReLUBackward(_ g: MatrixBlock, preActivation h: MatrixBlock, alpha: Float) {
        precondition(g.rows == h.rows && g.columns == h.columns, "leaky ReLU backward shapes differ")
        let alphaV = V(repeating: alpha), zero = V(repeating: 0)
        for r in 0..<g.rows {
            let gr = g.row(r), hr = h.row(r)
            Elementwise.forEachLane(count: g.columns, vector: { i in
                let slope = alphaV.replacing(with: 1, where: Elementwise.load(hr + i) .> zero)
                Elementwise.store(Elementwise.load(gr + i) * slope, gr + i)
            }, scalar: { i in
                gr[i] *= hr[i] > 0 ? 1 : alpha
            })
        }
    }

    /// `x = tanh(o + b)` over the generator's output layer.
    public static func addBiasTanh(_ o: MatrixBlock, bias b: UnsafePointer<Float>, into x: MatrixBlock) {
        precondition(o.rows == x.rows && o.columns == x.columns, "tanh shapes differ")
        for r in 0..<o.rows {
            let or = o.row(r), xr = x.row(r)
            Elementwise.forEachLane(count: o.columns, vector: { c in
                Elementwise.store(Elementwise.fastTanh(Elementwise.load(or + c) + Elementwise.load(b + c)), xr + c)
            }, scalar: { c in
                xr[c] = Elementwise.fastTanh(or[c] + b[c])
            })
        }
    }

    /// `g *= 1 - x²` where `x = tanh(o)`: the tanh backward pass, from the output.
    public static func tanhBackward(_ g: MatrixBlock, output x: MatrixBlock) {
        precondition(g.rows == x.rows && g.columns == x.columns, "tanh backward shapes differ")
        let one = V(repeating: 1)
        for r in 0..<g.rows {
            let gr = g.row(r), xr = x.row(r)
            Elementwise.forEachLane(count: g.columns, vector: { i in
                let xi = Elementwise.load(xr + i)
                Elementwise.store(Elementwise.load(gr + i) * (one - xi * xi), gr + i)
            }, scalar: { i in
                gr[i] *= 1 - xr[i] * xr[i]
            })
        }
    }
}

extension Activation {
    public static func addBiasLeakyReLU(_ h: inout Matrix, bias: Matrix, alpha: Float, into a: inout Matrix) {
        h.withMutableBlock { h in
            a.withMutableBlock { a in bias.withBlock { addBiasLeakyReLU(h, bias: $0.base, alpha: alpha, into: a) } }
        }
    }

    public static func leakyReLUBackward(_ gradient: inout Matrix, preActivation h: Matrix, alpha: Float) {
        gradient.withMutableBlock { g in h.withBlock { leakyReLUBackward(g, preActivation: $0, alpha: alpha) } }
    }

    public static func addBiasTanh(_ o: Matrix, bias: Matrix, into x: inout Matrix) {
        x.withMutableBlock { x in
            o.withBlock { o in bias.withBlock { addBiasTanh(o, bias: $0.base, into: x) } }
        }
    }

    public static func tanhBackward(_ gradient: inout Matrix, output x: Matrix) {
        gradient.withMutableBlock { g in x.withBlock { tanhBackward(g, output: $0) } }
    }
}
