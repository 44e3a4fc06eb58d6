import Foundation
import Linalg

/// Lays generated images out as one binary PGM (P5, maxval 255).
///
/// Pixel = round((x + 1) / 2 · 255) of the tanh output: white digits on black, as
/// MNIST stores them. Tiles are row-major with `pad` black pixels between them.
public struct PGMGrid: Sendable {
    public var columns: Int
    public var pad: Int
    public var tileSide: Int

    public init(columns: Int, pad: Int = 2, tileSide: Int = 28) {
        precondition(columns >= 1 && pad >= 0 && tileSide >= 1)
        self.columns = columns
        self.pad = pad
        self.tileSide = tileSide
    }

    /// `images` holds one image a row with values in [-1, 1].
    public func encode(_ images: Matrix) -> [UInt8] {
        precondition(images.columns == tileSide * tileSide, "each image must have \(tileSide * tileSide) pixels")
        return encode(tiles: Self.pixels(images), count: images.rows)
    }

    /// `tiles` holds `count` images of `tileSide²` bytes each, back to back.
    public func encode(tiles: [UInt8], count: Int) -> [UInt8] {
        let area = tileSide * tileSide
        precondition(tiles.count == count * area, "tile bytes do not match \(count) tiles")
        let gridColumns = min(columns, max(count, 1))
        let gridRows = max((count + gridColumns - 1) / gridColumns, 1)
        let width = gridColumns * tileSide + (gridColumns - 1) * pad
        let height = gridRows * tileSide + (gridRows - 1) * pad
        var out = Array("P5\n\(width) \(height)\n255\n".utf8)
        let headerSize = out.count
        out.append(contentsOf: repeatElement(0, count: width * height))
        for index in 0..<count {
            let top = (index / gridColumns) * (tileSide + pad)
            let left = (index % gridColumns) * (tileSide + pad)
            for y in 0..<tileSide {
                let row = headerSize + (top + y) * width + left
                let source = index * area + y * tileSide
                out.replaceSubrange(row..<(row + tileSide), with: tiles[source..<(source + tileSide)])
            }
        }
        return out
    }

    /// One byte per pixel: round((x + 1) / 2 · 255), clamped.
    public static func pixels(_ images: Matrix) -> [UInt8] { images.storage.map(byte) }

    static func byte(_ x: Float) -> UInt8 {
        let v = ((x + 1) / 2 * 255).rounded()
        return UInt8(min(max(v, 0), 255))
    }
}

extension Generator {
    /// `count` uniform noise vectors in [-1, 1) drawn from `seed`: the same seed gives the same images.
    public static func noise(count: Int, zSize: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256StarStar(seed: seed)
        var noise = Matrix(rows: count, columns: zSize)
        noise.storage.withUnsafeMutableBufferPointer { rng.fillSymmetricUniform($0) }
        return noise
    }
}
