/// He (Kaiming) normal initialization: `N(0, 2 / fanIn)`, the right scale for ReLU nets.
///
/// ```swift
/// var rng = Xoshiro256(seed: 1)
/// heNormal(weight, fanIn: 25, rng: &rng)
/// ```
public func heNormal(_ tensor: Tensor, fanIn: Int, rng: inout Xoshiro256) {
    let std = (2 / Float(fanIn)).squareRoot()
    for i in 0..<tensor.count { tensor[i] = std * rng.nextNormal() }
}
