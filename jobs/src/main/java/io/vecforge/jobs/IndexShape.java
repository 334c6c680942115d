package io.vecforge.jobs;

import io.vecforge.faiss.Metric;
import java.io.Serializable;

/** What every stage agrees on about the index: its dimension, Faiss factory string and metric. */
public record IndexShape(int dimension, String factory, Metric metric) implements Serializable {}
