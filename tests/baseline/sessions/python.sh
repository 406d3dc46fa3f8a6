#!/bin/bash
# A python project: a venv (offline, the interpreter's own packages),
# a module and its tests, pytest.
set -eu
cd "$1"
n=${2:-1}
python3 -m venv --without-pip --system-site-packages .venv
mkdir -p calc tests
cat > calc/__init__.py <<'PY'
def add(a, b):
    return a + b


def mul(a, b):
    return a * b
PY
for i in $(seq 1 $((n % 3 + 1))); do
cat > tests/test_calc_$i.py <<PY
from calc import add, mul


def test_add_$i():
    assert add($i, 1) == $((i + 1))


def test_mul_$i():
    assert mul($i, 2) == $((i * 2))
PY
done
.venv/bin/python -m pytest -q -p no:cacheprovider tests
.venv/bin/python -c 'import calc; print(calc.add(2, 3))'
