//! What a compiled module's bytes say, read with wasmparser: the
//! signatures of the functions it exports, what a compiler really made of a
//! source signature, whatever the source says; and where its linker put the
//! stack and the data, which it exports no other way.

use std::fmt;

use wasmparser::{
    BinaryReaderError, CompositeInnerType, ConstExpr, DataKind, ExternalKind, FuncType, HeapType,
    Operator, Parser, Payload, TypeRef, UnpackedIndex, ValType,
};

/// One exported function: its name and its core wasm type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The export's name.
    pub name: String,
    /// Its parameter types, as wasm writes them (`i32`, `i64`, ...).
    pub params: Vec<String>,
    /// Its result types.
    pub results: Vec<String>,
}

impl Signature {
    /// `(i32, i32) -> (i32)`: the type alone.
    pub fn ty(&self) -> String {
        format!(
            "({}) -> ({})",
            self.params.join(", "),
            self.results.join(", ")
        )
    }
}

impl fmt::Display for Signature {
    /// `name(i32, i32) -> (i32)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.name, self.ty())
    }
}

/// Every function `wasm` exports, in the order of its export section.
/// `wasm` is a core module; a component's exports are typed in WIT.
///
/// # Errors
///
/// When `wasm` is not a valid module.
pub fn exported_functions(wasm: &[u8]) -> Result<Vec<Signature>, BinaryReaderError> {
    Ok(read(wasm)?.exports)
}

/// Every function `wasm` imports, in the order of its import section, each
/// named `module.name`.
///
/// # Errors
///
/// When `wasm` is not a valid module.
pub fn imported_functions(wasm: &[u8]) -> Result<Vec<Signature>, BinaryReaderError> {
    Ok(read(wasm)?.imports)
}

/// Where a linker such as wasm-ld put a module's stack and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The starting value of the module's first global, when it is an
    /// `i32.const`: for wasm-ld's output, `__stack_pointer`, the top of the
    /// stack, which grows down from there.
    pub stack_start: Option<u32>,
    /// Where the first active data segment is written, when its offset is an
    /// `i32.const`: the start of the statics.
    pub data_start: Option<u32>,
}

/// Where `wasm`'s stack starts and its data goes, read from its global and
/// data sections (wasm-ld does not export `__stack_pointer`).
///
/// # Errors
///
/// When `wasm` is not a valid module.
pub fn layout(wasm: &[u8]) -> Result<Layout, BinaryReaderError> {
    let mut layout = Layout {
        stack_start: None,
        data_start: None,
    };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::GlobalSection(globals) => {
                if let Some(first) = globals.into_iter().next() {
                    layout.stack_start = i32_const(&first?.init_expr);
                }
            }
            Payload::DataSection(segments) => {
                if let Some(first) = segments.into_iter().next()
                    && let DataKind::Active { offset_expr, .. } = first?.kind
                {
                    layout.data_start = i32_const(&offset_expr);
                }
            }
            _ => {}
        }
    }
    Ok(layout)
}

/// The value of a constant expression that is a single `i32.const`, as an
/// address.
fn i32_const(expr: &ConstExpr<'_>) -> Option<u32> {
    match expr.get_operators_reader().read().ok()? {
        // An address: the bits of the i32, read unsigned.
        Operator::I32Const { value } => Some(value.cast_unsigned()),
        _ => None,
    }
}

/// The functions a module imports and exports.
struct Functions {
    imports: Vec<Signature>,
    exports: Vec<Signature>,
}

fn read(wasm: &[u8]) -> Result<Functions, BinaryReaderError> {
    // A function's index counts imported functions first, then defined ones;
    // a type's index counts every type, arrays and structs (WasmGC) too.
    let mut types: Vec<Option<FuncType>> = Vec::new();
    let mut function_types: Vec<u32> = Vec::new();
    let mut imports: Vec<(String, u32)> = Vec::new();
    let mut exports: Vec<(String, u32)> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub_type in group?.into_types() {
                        types.push(match sub_type.composite_type.inner {
                            CompositeInnerType::Func(func) => Some(func),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    if let TypeRef::Func(index) = import.ty {
                        imports.push((format!("{}.{}", import.module, import.name), index));
                        function_types.push(index);
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for index in reader {
                    function_types.push(index?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    if export.kind == ExternalKind::Func {
                        let ty = function_types.get(export.index as usize).copied();
                        if let Some(ty) = ty {
                            exports.push((export.name.to_owned(), ty));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let names = |types: &[ValType]| types.iter().map(value_type).collect();
    let signatures = |functions: Vec<(String, u32)>| {
        functions
            .into_iter()
            .filter_map(|(name, ty)| {
                let ty = types.get(ty as usize)?.as_ref()?;
                Some(Signature {
                    name,
                    params: names(ty.params()),
                    results: names(ty.results()),
                })
            })
            .collect()
    };
    Ok(Functions {
        imports: signatures(imports),
        exports: signatures(exports),
    })
}

/// A value type as the text format writes it; a reference to a type of the
/// module (a WasmGC array or struct) names it by index, `(ref 0)`.
fn value_type(ty: &ValType) -> String {
    match ty {
        ValType::Ref(reference) => match reference.heap_type() {
            HeapType::Concrete(UnpackedIndex::Module(index)) => {
                let null = if reference.is_nullable() { "null " } else { "" };
                format!("(ref {null}{index})")
            }
            _ => reference.to_string(),
        },
        other => other.to_string(),
    }
}
