extension DatasetSpec {
    /// The datasets a daemon knows with no config file. `config/gantry.json`
    /// spells out the same entries (a test keeps the two equal).
    public static let defaults: [String: DatasetSpec] = ["mnist": mnist, "fashion-mnist": fashionMNIST, "mnist5k": mnist5k]

    /// LeCun's MNIST files as mirrored by TensorFlow's and torchvision's hosts
    /// (the original site no longer serves them reliably).
    public static let mnist = DatasetSpec(
        baseURLs: [
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ],
        files: DatasetFiles(
            trainImages: DatasetFile(name: "train-images-idx3-ubyte.gz",
                                     sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", size: 9_912_422),
            trainLabels: DatasetFile(name: "train-labels-idx1-ubyte.gz",
                                     sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", size: 28_881),
            testImages: DatasetFile(name: "t10k-images-idx3-ubyte.gz",
                                    sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", size: 1_648_877),
            testLabels: DatasetFile(name: "t10k-labels-idx1-ubyte.gz",
                                    sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", size: 4_542)
        ),
        images: 70_000
    )

    /// Zalando's Fashion-MNIST, upstream's files: Keras's HTTPS copy first,
    /// then Zalando's own bucket (plain HTTP; the checksums make that safe).
    public static let fashionMNIST = DatasetSpec(
        baseURLs: [
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ],
        files: DatasetFiles(
            trainImages: DatasetFile(name: "train-images-idx3-ubyte.gz",
                                     sha256: "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc", size: 26_421_880),
            trainLabels: DatasetFile(name: "train-labels-idx1-ubyte.gz",
                                     sha256: "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc", size: 29_515),
            testImages: DatasetFile(name: "t10k-images-idx3-ubyte.gz",
                                    sha256: "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229", size: 4_422_102),
            testLabels: DatasetFile(name: "t10k-labels-idx1-ubyte.gz",
                                    sha256: "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf", size: 5_148)
        ),
        images: 70_000
    )

    /// 5,000 of MNIST's digits (4,000 training, 1,000 test, 400 and 100 of each class),
    /// as the source tree carries them in `fixtures/mnist5k`. No mirror serves them: they
    /// enter the cache only by `gantry download mnist5k --from fixtures/mnist5k`, so a
    /// machine without network can train from a clone.
    public static let mnist5k = DatasetSpec(
        baseURLs: [],
        files: DatasetFiles(
            trainImages: DatasetFile(name: "train-images-idx3-ubyte.gz",
                                     sha256: "ac0cdb9727cb33e2729ffad732589b918699dc168a10e794b78d3d4a25fe2342", size: 652_251),
            trainLabels: DatasetFile(name: "train-labels-idx1-ubyte.gz",
                                     sha256: "7d0eab0cb879e54c4a0f8c29aeced7db2bed3387b722fb3666c0e4acc10e40f1", size: 2_060),
            testImages: DatasetFile(name: "t10k-images-idx3-ubyte.gz",
                                    sha256: "d6147023a1b75822c16a76d0ef631d099033596dfa677a9537dcd2948732c2fb", size: 162_823),
            testLabels: DatasetFile(name: "t10k-labels-idx1-ubyte.gz",
                                    sha256: "162d11e7a798e7d8dec532d63a1b12d4fb040bc5292ffdeae1fe5e4cb243ad2e", size: 524)
        ),
        images: 5_000
    )
}
