import TandemTensor

extension DataError: KindedError {
    /// Always `.userInput`: bad data is not fixed by a restart.
    public var kind: FailureKind { .userInput }
}
