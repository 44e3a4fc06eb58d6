import Testing
@testable import MNIST
