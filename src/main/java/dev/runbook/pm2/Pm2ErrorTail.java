package dev.runbook.pm2;

import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Why an app crashed, in its own words: the last lines of its PM2 error log ({@code pm2_env.pm_err_log_path}) written
 * since the reload, as a paragraph to append to a failure message. The message of a failed step is the one place a
 * failure travels from (to {@code failureMessage}, the run view, the run page and the {@code RUN_ENDED} notification)
 * and {@code RunbookDelegate} redacts it before it goes anywhere, so this text is not redacted here and must go
 * nowhere else. Bounded ({@link #MAX_LINES} lines, each cut at {@link #MAX_LINE_CHARS}, the newest lines within a
 * character budget) so that it fits the failure message (3500 characters kept) next to what the step says itself.
 */
public final class Pm2ErrorTail {

    /** At most this many of the newest lines. */
    public static final int MAX_LINES = 20;
    /** A longer line is cut there. */
    public static final int MAX_LINE_CHARS = 150;
    /** The lines of one tail together stay within this many characters (the newest kept). */
    public static final int MAX_CHARS = 2400;

    private Pm2ErrorTail() {}

    /**
     * The lines of {@code process}'s error log written at or after {@code since} (to the second, as PM2 stamps them;
     * null: the newest lines whenever written), newest last, within {@code maxChars}; an empty list when there are
     * none or the file cannot be read.
     */
    public static List<String> lines(Pm2Process process, Instant since, int maxChars) {
        Pm2LogFile log = Pm2LogFile.readApp(process.errorLog(), process.pmId(), ZoneId.systemDefault());
        List<String> selected =
                log.select(since == null ? null : since.truncatedTo(ChronoUnit.SECONDS), null, MAX_LINES);
        List<String> lines = new ArrayList<>();
        int chars = 0;
        for (int i = selected.size() - 1; i >= 0; i--) {
            String line = selected.get(i);
            String cut = line.length() <= MAX_LINE_CHARS ? line : line.substring(0, MAX_LINE_CHARS) + " ...";
            chars += cut.length() + 1;
            if (chars > maxChars) {
                break;
            }
            lines.add(0, cut);
        }
        return lines;
    }

    /**
     * {@link #lines} as a paragraph for a failure message: a newline, a heading naming the app and the file, the
     * lines; the empty string when there are none.
     */
    public static String of(Pm2Process process, Instant since) {
        return of(process, since, MAX_CHARS);
    }

    /** {@link #of(Pm2Process, Instant)} within {@code maxChars} for the lines (several apps share one message). */
    public static String of(Pm2Process process, Instant since, int maxChars) {
        List<String> lines = lines(process, since, maxChars);
        if (lines.isEmpty()) {
            return "";
        }
        return "\nlast lines of pm2 app '" + process.name() + "' error log " + process.errorLog()
                + (since == null ? "" : " since " + since.truncatedTo(ChronoUnit.SECONDS)) + ":\n"
                + String.join("\n", lines);
    }
}
