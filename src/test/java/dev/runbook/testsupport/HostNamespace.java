package dev.runbook.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A host for tests: a network namespace made by the test, joined to this machine by a veth pair ({@code 10.231.N.1}
 * on this side, {@link #address} inside), with loopback up. Processes started with {@link #prefix()} run inside it:
 * an agent there reaches the platform only over the pair, at {@link #platformAddress}. {@link #cut()} takes this
 * side of the pair down (the link is cut), {@link #mend()} brings it back. {@link #close()} kills what runs inside and
 * deletes the namespace with its pair. Needs root and iproute2 ({@link #available()}); CI runs as root.
 */
public final class HostNamespace implements AutoCloseable {

    /** Hosts of one test run get different subnets (and pair names); runs after each other start apart. */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_SUBNET =
            new java.util.concurrent.atomic.AtomicInteger(
                    ThreadLocalRandom.current().nextInt(240));

    public final String name;
    public final String platformAddress;
    public final String address;
    private final String outside;

    private HostNamespace(String name, int subnet) {
        this.name = name;
        this.platformAddress = "10.231." + subnet + ".1";
        this.address = "10.231." + subnet + ".2";
        this.outside = "rbv" + subnet + "o";
    }

    /** Whether this machine lets the test make namespaces (root, {@code ip netns}). */
    public static boolean available() {
        try {
            return "0".equals(run(List.of("id", "-u")).strip())
                    && !run(List.of("ip", "netns", "list")).contains("\0");
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public static HostNamespace create(String host) {
        int subnet = 10 + NEXT_SUBNET.getAndIncrement() % 240;
        HostNamespace ns = new HostNamespace("rb-" + host + "-" + subnet, subnet);
        String inside = "rbv" + subnet + "i";
        run(List.of("ip", "netns", "add", ns.name));
        run(List.of("ip", "link", "add", ns.outside, "type", "veth", "peer", "name", inside));
        run(List.of("ip", "link", "set", inside, "netns", ns.name));
        run(List.of("ip", "addr", "add", ns.platformAddress + "/30", "dev", ns.outside));
        run(List.of("ip", "link", "set", ns.outside, "up"));
        run(ns.inside("ip", "addr", "add", ns.address + "/30", "dev", inside));
        run(ns.inside("ip", "link", "set", inside, "up"));
        run(ns.inside("ip", "link", "set", "lo", "up"));
        return ns;
    }

    /** The command prefix that runs a process inside the namespace. */
    public List<String> prefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /**
     * The command prefix that runs a process inside the namespace with its own disk: {@code disk} bind-mounted at
     * {@code at} in a mount namespace of its own ({@code ip netns exec} makes one, its mounts do not reach this
     * machine's), so the host keeps its own files at the path every host uses. The process and its children (the
     * host's PM2 daemon and apps) see that disk; everything else keeps seeing this machine's.
     */
    public List<String> prefixWithDisk(Path disk, Path at) {
        List<String> all = new ArrayList<>(prefix());
        all.addAll(List.of("sh", "-c", "mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh"));
        all.add(disk.toString());
        all.add(at.toString());
        return all;
    }

    /** GETs {@code url} from inside the namespace; "" when nothing answers. */
    public String get(String url) {
        return exec(List.of("curl", "-s", "-m", "5", url));
    }

    /** Runs {@code command} inside the namespace; its output, or "" when it fails. */
    public String exec(List<String> command) {
        try {
            return run(inside(command.toArray(String[]::new)));
        } catch (IllegalStateException e) {
            return "";
        }
    }

    public void cut() {
        run(List.of("ip", "link", "set", outside, "down"));
    }

    public void mend() {
        run(List.of("ip", "link", "set", outside, "up"));
    }

    @Override
    public void close() {
        try {
            for (String pid : run(List.of("ip", "netns", "pids", name)).split("\\s+")) {
                if (!pid.isBlank()) {
                    run(List.of("kill", "-9", pid));
                }
            }
        } catch (IllegalStateException e) {
            // already gone
        }
        try {
            run(List.of("ip", "netns", "del", name));
        } catch (IllegalStateException e) {
            // already gone
        }
    }

    private List<String> inside(String... command) {
        List<String> all = new ArrayList<>(prefix());
        all.addAll(List.of(command));
        return all;
    }

    private static String run(List<String> command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
