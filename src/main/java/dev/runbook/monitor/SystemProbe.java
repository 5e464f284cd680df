package dev.runbook.monitor;

import dev.runbook.monitor.HealthReport.DiskReport;
import dev.runbook.monitor.HealthReport.MemoryReport;
import dev.runbook.monitor.HealthReport.SystemReport;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;

/**
 * The host's CPU and memory through OSHI (no hand-parsing of {@code /proc}), and the use of the file systems that hold
 * given directories through the JDK's {@link FileStore}. CPU use is measured between two samples of the CPU ticks:
 * {@link #cpuTicks()} at the start of a check, {@link #measure} at its end.
 */
@Component
class SystemProbe {

    private final CentralProcessor cpu;
    private final GlobalMemory memory;

    SystemProbe() {
        SystemInfo info = new SystemInfo();
        this.cpu = info.getHardware().getProcessor();
        this.memory = info.getHardware().getMemory();
    }

    /** A sample of the CPU ticks to measure CPU use from. */
    long[] cpuTicks() {
        return cpu.getSystemCpuLoadTicks();
    }

    /** CPU use since {@code ticksBefore}, load average, memory, and the file system of each named directory. */
    SystemReport measure(long[] ticksBefore, Map<String, Path> dirs) {
        double cpuPercent = round(cpu.getSystemCpuLoadBetweenTicks(ticksBefore) * 100);
        double load = round(cpu.getSystemLoadAverage(1)[0]);
        long total = memory.getTotal();
        long available = memory.getAvailable();
        MemoryReport mem = new MemoryReport(total, available, percent(total - available, total));
        List<DiskReport> disks = new ArrayList<>();
        dirs.forEach((name, dir) -> disks.add(disk(name, dir)));
        return new SystemReport(cpuPercent, load, cpu.getLogicalProcessorCount(), mem, disks);
    }

    /** The file system holding {@code dir} (or its nearest existing parent); zero sizes when it cannot be read. */
    static DiskReport disk(String name, Path dir) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            FileStore store = Files.getFileStore(existing == null ? Path.of("/") : existing);
            long total = store.getTotalSpace();
            long usable = store.getUsableSpace();
            return new DiskReport(name, dir.toString(), total, usable, percent(total - usable, total));
        } catch (IOException e) {
            return new DiskReport(name, dir.toString(), 0, 0, 0);
        }
    }

    static double percent(long part, long whole) {
        return whole <= 0 ? 0 : round(100.0 * part / whole);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
