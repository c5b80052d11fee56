//! `calculate`: basic arithmetic on two numbers, refusing results that are
//! not finite numbers (division by zero, overflow) instead of returning them.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Number, Value};

use crate::catalog::{Tool, ToolContext, ToolError, ToolOutput};

pub struct Calculate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
// Inline keeps the schema flat (`"enum": [...]` on the field, like the seed's)
// instead of a `$ref` some clients render poorly.
#[schemars(inline)]
pub enum Operation {
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Add => "add",
            Operation::Subtract => "subtract",
            Operation::Multiply => "multiply",
            Operation::Divide => "divide",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CalculateArgs {
    /// Arithmetic operation
    pub operation: Operation,
    /// First operand
    pub a: f64,
    /// Second operand
    pub b: f64,
}

impl Tool for Calculate {
    type Args = CalculateArgs;
    const NAME: &'static str = "calculate";
    const DESCRIPTION: &'static str = "Perform basic arithmetic calculation";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, args: CalculateArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        calculate(args.operation, args.a, args.b).map(|n| ToolOutput::Json(Value::Number(n)))
    }
}

/// The arithmetic itself, kept pure so it is tested without a server.
pub fn calculate(operation: Operation, a: f64, b: f64) -> Result<Number, ToolError> {
    let result = match operation {
        Operation::Add => a + b,
        Operation::Subtract => a - b,
        Operation::Multiply => a * b,
        Operation::Divide if b == 0.0 => {
            return Err(ToolError::Failed("Division by zero".into()));
        }
        Operation::Divide => a / b,
    };
    // `{:?}` writes 1e308 rather than 309 digits.
    to_json_number(result).ok_or_else(|| {
        ToolError::Failed(format!(
            "Result is not a finite number: {} of {a:?} and {b:?} overflows",
            operation.as_str()
        ))
    })
}

/// Integral results are written as integers (`15`, not `15.0`), as the seed's
/// Python server did for integer inputs; others as floats. `None` for NaN and
/// infinities, which JSON cannot carry.
fn to_json_number(x: f64) -> Option<Number> {
    // 2^53: beyond it, f64 no longer holds every integer exactly.
    const MAX_EXACT: f64 = 9_007_199_254_740_992.0;
    if x.fract() == 0.0 && x.abs() <= MAX_EXACT {
        // Why the cast is exact: x is integral and within ±2^53.
        Some(Number::from(x as i64))
    } else {
        Number::from_f64(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(operation: Operation, a: f64, b: f64) -> Value {
        Value::Number(calculate(operation, a, b).unwrap())
    }

    #[test]
    fn integral_results_are_integers_and_others_are_floats() {
        assert_eq!(ok(Operation::Add, 10.0, 5.0).to_string(), "15");
        assert_eq!(ok(Operation::Multiply, 7.0, 8.0).to_string(), "56");
        assert_eq!(ok(Operation::Divide, 10.0, 4.0).to_string(), "2.5");
        assert_eq!(ok(Operation::Subtract, 0.5, 2.0).to_string(), "-1.5");
    }

    #[test]
    fn division_by_zero_is_a_tool_failure() {
        assert_eq!(
            calculate(Operation::Divide, 1.0, 0.0),
            Err(ToolError::Failed("Division by zero".into()))
        );
    }

    #[test]
    fn overflow_is_a_tool_failure_not_infinity() {
        assert_eq!(
            calculate(Operation::Multiply, 1e308, 10.0),
            Err(ToolError::Failed(
                "Result is not a finite number: multiply of 1e308 and 10.0 overflows".into()
            ))
        );
    }
}
