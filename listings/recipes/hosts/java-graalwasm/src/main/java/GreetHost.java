// A host for the `greet` guests, on GraalWasm (a WebAssembly runtime in Java,
// through the GraalVM polyglot API).
//
//   java -cp "target/classes:target/lib/*" GreetHost GUEST.wasm [NAME [ROUNDS]]
//
// The host allocates the name in the guest and frees it; the guest allocates
// the greeting, and the host frees it once it has copied it out.

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        try (Context context = newContext()) {
            int rounds = args.length > 2 ? rounds(args[2]) : 1;
            Value instance = load(context, Path.of(args[0]));
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

    /** A context for one guest, with WASI preview 1 for the guests that import it. */
    static Context newContext() {
        return Context.newBuilder("wasm")
                .option("wasm.Builtins", "wasi_snapshot_preview1")
                // On a JDK without the Graal compiler, GraalWasm interprets the
                // module, and would say so on stderr at every start.
                .option("engine.WarnInterpreterOnly", "false")
                .build();
    }

    /** Loads and instantiates the guest, and initialises a reactor. */
    static Value load(Context context, Path wasmFile) throws HostError {
        Value module;
        try {
            Source source = Source.newBuilder("wasm", ByteSequence.create(Files.readAllBytes(wasmFile)), "guest")
                    .build();
            module = context.eval(source); // parses and validates the module
        } catch (IOException | PolyglotException e) {
            throw new HostError("cannot load " + wasmFile + ": " + describe(e));
        }
        Value instance;
        try {
            // Instantiates it, linking its imports (WASI's are built in).
            instance = module.newInstance().getMember("exports");
        } catch (PolyglotException e) {
            throw new HostError("cannot instantiate the guest: " + describe(e));
        }
        for (String export : new String[] {"greet", "allocate", "deallocate"}) {
            if (!exportsFunction(instance, export)) {
                throw new HostError("the guest does not export `" + export + "`");
            }
        }
        if (!instance.hasMember("memory") || !instance.getMember("memory").hasBufferElements()) {
            throw new HostError("the guest does not export `memory`");
        }

        // A WASI reactor (Go, C) sets itself up in `_initialize`, once, first.
        // GraalWasm never runs `_start` (a command's `main`) by itself.
        if (exportsFunction(instance, "_initialize")) {
            call(instance, "_initialize");
        }
        return instance;
    }

    /** One round trip: the name in, the greeting out. */
    static String greet(Value instance, String name) throws HostError {
        // The memory is a polyglot Value with buffer elements: the host reads
        // and writes it by byte offset, and never holds a pointer into it.
        Value memory = instance.getMember("memory");

        // 1. The host allocates the name in the guest's memory and writes it.
        //    The guest's i32s go in and come back as Java ints: (int) keeps
        //    the low 32 bits of a long, and the host reads results unsigned.
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        long nameLen = nameBytes.length;
        long namePtr = Integer.toUnsignedLong(call(instance, "allocate", (int) nameLen).asInt());
        long memSize = memory.getBufferSize();
        if (namePtr + nameLen > memSize) { // longs: no overflow
            throw new HostError("allocate returned ptr=" + namePtr + " for len=" + nameLen
                    + ", outside the guest's memory of " + memSize + " bytes");
        }
        for (int i = 0; i < nameBytes.length; i++) {
            memory.writeBufferByte(namePtr + i, nameBytes[i]);
        }

        // 2. The guest reads the name and returns its own buffer, packed
        //    as (len << 32) | ptr. Both halves are unsigned 32-bit numbers;
        //    the i64 comes back as a signed Java long.
        long packed = call(instance, "greet", (int) namePtr, (int) nameLen).asLong();
        long ptr = packed & 0xFFFF_FFFFL;
        long len = packed >>> 32;

        // 3. The name is the host's: it frees it now.
        call(instance, "deallocate", (int) namePtr, (int) nameLen);

        // 4. Check what the guest returned before reading it.
        if (len > MAX_GREETING_LEN) {
            throw new HostError("greet returned len=" + len + ", more than the "
                    + MAX_GREETING_LEN + " bytes this host accepts");
        }
        memSize = memory.getBufferSize(); // the guest may have grown its memory
        if (ptr + len > memSize) { // longs: no overflow
            throw new HostError("greet returned ptr=" + ptr + " len=" + len
                    + ", outside the guest's memory of " + memSize + " bytes");
        }
        byte[] bytes = new byte[(int) len];
        memory.readBuffer(ptr, bytes, 0, bytes.length); // a copy
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
        call(instance, "deallocate", (int) ptr, (int) len);
        return greeting;
    }

    /** Calls an export with i32 arguments; a trap becomes a HostError. */
    static Value call(Value instance, String export, Object... args) throws HostError {
        Value function = instance.getMember(export);
        try {
            return function.execute(args);
        } catch (RuntimeException e) { // a PolyglotException for a trap
            throw new HostError(export + " trapped: " + describe(e));
        }
    }

    static boolean exportsFunction(Value instance, String name) {
        return instance.hasMember(name) && instance.getMember(name).canExecute();
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isEmpty() ? e.getClass().getSimpleName() : message;
    }
}
