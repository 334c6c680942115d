package io.vecforge.faiss;

/** A GPU was asked for and cannot be used: the message says why (no driver, no device, no cuBLAS, ...). */
public final class GpuUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GpuUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
