package io.vecforge.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small chart drawn with java.awt (headless) into PNG bytes: bars or a line over labelled
 * points. Enough for a build report; no plotting library, no network.
 */
final class Chart {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 330;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 46;
    private static final int BOTTOM = 56;
    private static final Color BAR = new Color(0x3b6ea5);
    private static final Color ACCENT = new Color(0xd9534f);

    /** One value with its label on the x axis. */
    record Point(String label, double value) {}

    private Chart() {}

    /** Bars; {@code xLabel} and {@code yLabel} title the axes, with their units. */
    static byte[] bars(String title, String xLabel, String yLabel, List<Point> points) {
        return draw(title, xLabel, yLabel, points, false, Double.NaN);
    }

    /** A line over the points, with a dashed horizontal marker (e.g. the target recall), if not NaN. */
    static byte[] line(String title, String xLabel, String yLabel, List<Point> points, double marker) {
        return draw(title, xLabel, yLabel, points, true, marker);
    }

    private static byte[] draw(String title, String xLabel, String yLabel, List<Point> points, boolean line,
            double marker) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        double max = points.stream().mapToDouble(Point::value).max().orElse(1);
        if (!Double.isNaN(marker)) {
            max = Math.max(max, marker);
        }
        max = max <= 0 ? 1 : line && max <= 1 ? 1 : max * 1.05; // recall-like lines get the whole [0, 1] axis
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        g.drawLine(LEFT, TOP, LEFT, TOP + plotHeight);
        g.drawLine(LEFT, TOP + plotHeight, LEFT + plotWidth, TOP + plotHeight);
        for (int tick = 0; tick <= 4; tick++) {
            double value = max * tick / 4;
            int y = TOP + plotHeight - (int) (plotHeight * tick / 4.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT + 1, y, LEFT + plotWidth, y);
            g.setColor(Color.BLACK);
            g.drawString(format(value), 4, y + 4);
        }
        g.drawString(yLabel, LEFT + 4, TOP - 8);
        g.drawString(xLabel, LEFT + plotWidth - g.getFontMetrics().stringWidth(xLabel), TOP + plotHeight + 34);
        int n = Math.max(1, points.size());
        double step = plotWidth / (double) n;
        int labelEvery = Math.max(1, (int) Math.ceil(n / 24.0));
        int previousX = -1;
        int previousY = -1;
        for (int i = 0; i < points.size(); i++) {
            Point point = points.get(i);
            int x = LEFT + (int) (step * i + step / 2);
            int y = TOP + plotHeight - (int) (plotHeight * point.value() / max);
            g.setColor(BAR);
            if (line) {
                g.setStroke(new BasicStroke(2f));
                if (previousX >= 0) {
                    g.drawLine(previousX, previousY, x, y);
                }
                g.fillOval(x - 3, y - 3, 7, 7);
                previousX = x;
                previousY = y;
            } else {
                int barWidth = Math.max(1, (int) (step * 0.8));
                g.fillRect(x - barWidth / 2, y, barWidth, TOP + plotHeight - y);
            }
            if (i % labelEvery == 0) {
                g.setColor(Color.BLACK);
                g.drawString(point.label(), x - g.getFontMetrics().stringWidth(point.label()) / 2,
                        TOP + plotHeight + 16);
            }
        }
        if (!Double.isNaN(marker)) {
            int y = TOP + plotHeight - (int) (plotHeight * marker / max);
            g.setColor(ACCENT);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f}, 0f));
            g.drawLine(LEFT, y, LEFT + plotWidth, y);
        }
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }

    private static String format(double value) {
        if (value >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM", value / 1e6);
        }
        if (value >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", value / 1e3);
        }
        return value >= 10 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
