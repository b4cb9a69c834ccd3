// A host for the `greet` guests, on Chicory (a WebAssembly runtime in pure Java).
//
//   java -cp "target/classes:target/lib/*" GreetHost GUEST.wasm [NAME [ROUNDS]]
//
// The host allocates the name in the guest and frees it; the guest allocates
// the greeting, and the host frees it once it has copied it out.

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

public final class GreetHost {
    /** The longest greeting this host accepts from a guest. */
    static final long MAX_GREETING_LEN = 1L << 20; // 1 MiB

    /** A failure the host reports as one `error: ...` line. */
    static final class HostError extends Exception {
        HostError(String message) {
            super(message, null, false, false);
        }
    }

    public static void main(String[] args) {
        // Print UTF-8 whatever the locale says.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        if (args.length < 1 || args.length > 3) {
            err.println("usage: GreetHost GUEST.wasm [NAME [ROUNDS]]");
            System.exit(2);
        }
        String name = args.length > 1 ? args[1] : "world";
        try {
            int rounds = args.length > 2 ? rounds(args[2]) : 1;
            Instance instance = load(Path.of(args[0]));
            // ROUNDS is for comparing hosts (the book's ci/bench uses it): it
            // repeats the round trip and times it. A reader can drop it.
            String greeting = null;
            long start = System.nanoTime(); // monotonic
            for (int i = 0; i < rounds; i++) {
                greeting = greet(instance, name);
            }
            long each = (System.nanoTime() - start) / rounds;
            out.println(greeting);
            if (rounds > 1) {
                err.println("bench: " + rounds + " round trips, " + each + " ns each");
            }
        } catch (HostError e) {
            err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    /** ROUNDS, a positive integer. */
    static int rounds(String text) throws HostError {
        try {
            int rounds = Integer.parseInt(text);
            if (rounds > 0) {
                return rounds;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new HostError("ROUNDS must be a positive integer, not " + text);
    }

    /** Loads and instantiates the guest, and initialises a reactor. */
    static Instance load(Path wasmFile) throws HostError {
        WasmModule module;
        try {
            module = Parser.parse(wasmFile);
        } catch (RuntimeException e) {
            throw new HostError("cannot load " + wasmFile + ": " + describe(e));
        }
        for (String export : new String[] {"greet", "allocate", "deallocate"}) {
            if (!exports(module, export, ExternalType.FUNCTION)) {
                throw new HostError("the guest does not export `" + export + "`");
            }
        }
        if (!exports(module, "memory", ExternalType.MEMORY)) {
            throw new HostError("the guest does not export `memory`");
        }

        Instance instance = instantiate(module);
        // A WASI reactor (Go, C) sets itself up in `_initialize`, once, first.
        if (exports(module, "_initialize", ExternalType.FUNCTION)) {
            call(instance, "_initialize");
        }
        return instance;
    }

    /** One round trip: the name in, the greeting out. */
    static String greet(Instance instance, String name) throws HostError {
        Memory memory = instance.exports().memory("memory");

        // 1. The host allocates the name in the guest's memory and writes it.
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        long nameLen = nameBytes.length;
        long namePtr = Integer.toUnsignedLong((int) call(instance, "allocate", nameLen));
        long memSize = memorySize(memory);
        if (namePtr + nameLen > memSize) { // longs: no overflow
            throw new HostError("allocate returned ptr=" + namePtr + " for len=" + nameLen
                    + ", outside the guest's memory of " + memSize + " bytes");
        }
        memory.write((int) namePtr, nameBytes);

        // 2. The guest reads the name and returns its own buffer, packed
        //    as (len << 32) | ptr. Both halves are unsigned 32-bit numbers.
        long packed = call(instance, "greet", namePtr, nameLen);
        long ptr = packed & 0xFFFF_FFFFL;
        long len = packed >>> 32;

        // 3. The name is the host's: it frees it now.
        call(instance, "deallocate", namePtr, nameLen);

        // 4. Check what the guest returned before reading it.
        if (len > MAX_GREETING_LEN) {
            throw new HostError("greet returned len=" + len + ", more than the "
                    + MAX_GREETING_LEN + " bytes this host accepts");
        }
        memSize = memorySize(memory); // the guest may have grown its memory
        if (ptr + len > memSize) { // longs: no overflow
            throw new HostError("greet returned ptr=" + ptr + " len=" + len
                    + ", outside the guest's memory of " + memSize + " bytes");
        }
        byte[] bytes = memory.readBytes((int) ptr, (int) len); // a copy
        String greeting;
        try {
            greeting = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new HostError("greet returned bytes that are not valid UTF-8");
        }

        // 5. The greeting is copied out: the host frees the guest's buffer.
        call(instance, "deallocate", ptr, len);
        return greeting;
    }

    /** Instantiates the module, with WASI preview 1 if it imports it. */
    static Instance instantiate(WasmModule module) throws HostError {
        Instance.Builder builder = Instance.builder(module)
                .withStart(false); // a reactor has no `_start`; never run `main`
        boolean importsWasi = module.importSection().stream()
                .anyMatch(i -> i.module().equals("wasi_snapshot_preview1"));
        if (importsWasi) {
            WasiPreview1 wasi = WasiPreview1.builder()
                    .withOptions(WasiOptions.builder().inheritSystem().build())
                    .build();
            builder.withImportValues(ImportValues.builder()
                    .addFunction(wasi.toHostFunctions())
                    .build());
        }
        try {
            return builder.build();
        } catch (RuntimeException | StackOverflowError e) {
            throw new HostError("cannot instantiate the guest: " + describe(e));
        }
    }

    /** Calls an export that returns one value or none; a trap becomes a HostError. */
    static long call(Instance instance, String export, long... args) throws HostError {
        ExportFunction function = instance.export(export);
        long[] results;
        try {
            results = function.apply(args);
        } catch (RuntimeException | StackOverflowError e) {
            throw new HostError(export + " trapped: " + describe(e));
        }
        return results == null || results.length == 0 ? 0 : results[0];
    }

    /** The memory's current size in bytes, as a long (4 GiB does not fit an int). */
    static long memorySize(Memory memory) {
        return (long) memory.pages() * Memory.PAGE_SIZE;
    }

    static boolean exports(WasmModule module, String name, ExternalType type) {
        var section = module.exportSection();
        for (int i = 0; i < section.exportCount(); i++) {
            var export = section.getExport(i);
            if (export.name().equals(name) && export.exportType() == type) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isEmpty() ? e.getClass().getSimpleName() : message;
    }
}
