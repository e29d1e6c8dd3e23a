//! The registry of diagnostic codes. Codes are stable: a code keeps its meaning forever.

use serde::Serialize;

use super::Severity;

macro_rules! codes {
    ($($name:ident = $code:literal, $sev:ident, $doc:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code { $(#[doc = $doc] $name,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$name => Severity::$sev,)* }
            }

            /// One line saying what the code is about.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$name => $doc,)* }
            }

            /// What the code means, why it matters, and a wrong and a fixed example, as
            /// Markdown (`explain/CODE.md`) whose first heading names the code.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$name => include_str!(concat!("explain/", $code, ".md")),)* }
            }
        }
    };
}

codes! {
    Syntax = "E0001", Error, "the text does not follow the grammar";
    Lexical = "E0002", Error, "a character or literal that is not valid jobflow";
    LoopControlOutsideLoop = "E0003", Error, "`break` or `continue` outside a loop";
    DuplicateKey = "E0004", Error, "the same name twice in `name = value` bindings or a dictionary";
    StatusAssign = "E0005", Error, "assignment or update of a `$` status variable";
    UnknownBuiltin = "E0006", Error, "call of a built-in that does not exist";
    BuiltinArity = "E0007", Error, "wrong number of arguments to a built-in";
    DuplicateParam = "E0008", Error, "a parameter declared twice";
    UnknownStatus = "E0009", Error, "a `$` name that is not a status variable";
    BadUpdateTarget = "E0010", Error, "an update job whose target cannot be written";
    ArgumentOrder = "E0011", Error, "arguments in the wrong order";
    ChoiceBranch = "E0012", Error, "a `choice` branch that does not start with an event job";
    BuiltinJobInExpression = "E0013", Error, "a built-in job used inside an expression";
    UnknownKeyword = "E0014", Error, "a keyword argument a built-in does not take";
    UndefinedName = "E0015", Error, "a name that no assignment or parameter of the flow defines";
    MissingFlow = "E0016", Error, "a call of a sibling flow file that does not exist";
    CommandArguments = "E0017", Error, "arguments given to a command string, which takes none";
    ConditionAsJob = "E0018", Error, "a comparison or logical expression written as a job";
    BytecodeLimit = "E0019", Error, "a flow beyond a limit of the bytecode (65,536 variable slots, 65,535 positional arguments in one call)";
    UnassignedRead = "W0001", Warning, "a variable read where no assignment can reach it";
    UnusedVariable = "W0002", Warning, "a variable assigned and never read";
    UnreachableJob = "W0003", Warning, "a job that can never run";
    SourceTooLong = "W0004", Warning, "source text longer than the original engine accepts";
    TooManyJobs = "W0005", Warning, "more jobs in one jobflow expression than the original engine accepts";
    LiteralPlaceholder = "W0006", Warning, "a `$` placeholder in a string that is left as literal text";
    UnsavedFieldChange = "W0007", Warning, "a change to a copy of a store field, which is never saved";
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
