"""The backward pass: accumulation, freeing, retained graphs, hooks, higher order, errors."""
import gc
import inspect
import subprocess
import sys
import weakref

import numpy as np
import pytest

import chainrule as cr


def leaf(value, dtype=np.float64):
    return cr.tensor(value, dtype=dtype, requires_grad=True)


def test_chain_of_100000_operations_backpropagates_iteratively():
    x = leaf(0.5)
    y = x
    for i in range(100_000):
        y = y * 1.00001 if i % 2 else y + 1.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001 ** 50_000)


def test_backward_frees_saved_values():
    x = leaf(np.ones(4))
    hidden = x * 2.0
    hidden_ref = weakref.ref(hidden)
    root = cr.exp(hidden).sum()
    node = root.grad_fn
    del hidden
    assert hidden_ref() is not None, "before backward the graph keeps the intermediate"
    root.backward()
    assert node.is_freed and hidden_ref() is None


def test_an_intermediate_the_caller_kept_drops_its_saved_values_too():
    # Nodes only the backward pass holds are freed whole; one that lives on frees what it saved.
    x = leaf(np.ones(3))
    kept = x * 2.0
    (kept * 3.0).sum().backward()
    assert kept.grad_fn.is_freed
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        kept.sum().backward()


def test_finished_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = leaf(np.ones(3))
        hidden = cr.tanh(x * x)
        node_ref = weakref.ref(hidden)   # a result is its own graph node
        root = (hidden * 3.0).sum()
        del hidden
        root.backward(retain_graph=True)
        assert node_ref() is not None
        del root
        assert node_ref() is None, "the graph holds a reference cycle"
    finally:
        gc.enable()


def test_second_backward_through_freed_graph_names_retain_graph():
    x = leaf(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward_and_gradients_accumulate():
    x = leaf(2.0)
    y = x * x * x
    y.backward(retain_graph=True)
    assert x.grad.item() == 12.0
    y.backward()
    assert x.grad.item() == 24.0


def test_non_scalar_backward_needs_a_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="gradient"):
        (x * 2).backward()


def test_gradient_argument_gives_a_vector_jacobian_product():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(gradient=np.array([1.0, 0.5, -1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, -6.0])


def test_gradient_of_the_wrong_shape_is_an_error():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(gradient=np.ones(3))


def test_backward_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.tensor(1.0).backward()


def test_broadcast_gradients_are_summed_back_to_each_shape():
    x, y = leaf(np.ones((3, 1))), leaf(np.arange(4.0))
    (x * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((3, 1), 6.0))
    np.testing.assert_array_equal(y.grad.data, np.full(4, 3.0))


def test_gradients_keep_the_input_dtype():
    x = leaf(np.ones(3), dtype=np.float32)
    (x * np.float64(2.0)).sum().backward()
    assert x.grad.dtype == np.float32


def test_two_leaves_fed_the_same_cotangent_own_separate_arrays():
    x, y = leaf(np.ones(3)), leaf(np.ones(3))
    (x + y).sum().backward()
    with cr.no_grad():
        x.grad.mul_(10.0)
    np.testing.assert_array_equal(y.grad.data, np.ones(3))


def test_user_gradient_array_is_not_aliased_into_grad():
    x = leaf(np.ones(3))
    upstream = np.array([1.0, 2.0, 3.0])
    (x + 0.0).backward(gradient=upstream)
    x.grad.data[0] = 99.0
    assert upstream[0] == 1.0


def test_second_derivative_with_create_graph():
    x = leaf(1.3)
    cr.tanh(x).backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    x.grad = None
    first.backward()
    t = np.tanh(1.3)
    assert x.grad.item() == pytest.approx(-2 * t * (1 - t * t))


def test_third_derivative_of_a_cube():
    x = leaf(2.0)
    y = x ** 3
    (g1,) = cr.autograd.grad(y, [x], create_graph=True)
    (g2,) = cr.autograd.grad(g1, [x], create_graph=True)
    (g3,) = cr.autograd.grad(g2, [x])
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)
    assert x.grad is None, "autograd.grad leaves .grad alone"


def test_autograd_grad_of_an_intermediate():
    x = leaf(3.0)
    h = x * x
    y = h * 2.0
    (gh, gx) = cr.autograd.grad(y, [h, x])
    assert (gh.item(), gx.item()) == (2.0, 12.0)


def test_leaf_hook_can_replace_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()) or g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [30.0, 30.0])


def test_hook_on_an_intermediate_sees_the_summed_gradient():
    x = leaf(2.0)
    h = x * 1.0
    seen = []
    h.register_hook(lambda g: seen.append(g.item()))
    (h * 3 + h * 4).backward()
    assert seen == [7.0]
    assert x.grad.item() == 7.0


def test_the_first_hook_of_a_process_runs_after_passes_without_hooks():
    # The backward pass looks for hooks on nodes only once one was ever registered,
    # so the first one of a fresh process (here, after a pass without any) must count.
    code = (
        "import chainrule as cr\n"
        "x = cr.tensor(2.0, requires_grad=True)\n"
        "(x * x).backward()\n"
        "h = x * 3.0\n"
        "seen = []\n"
        "h.register_hook(lambda g: seen.append(g.item()))\n"
        "(h * 4.0).backward()\n"
        "r = x * 5.0\n"
        "r.retain_grad()\n"
        "(r * 2.0).backward()\n"
        "print(seen, r.grad.item(), x.grad.item())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[4.0]", "2.0", "26.0"]   # x.grad: 2x + 3*4 + 5*2


def test_a_backward_started_by_a_hook_leaves_the_outer_pass_its_sums():
    # When a's hook runs, the outer pass holds trunk's partial sum (5, from b);
    # the inner pass goes through trunk too and must neither take that sum nor lose it.
    x = leaf(2.0)
    trunk = x * x
    a, b = trunk * 3.0, trunk * 5.0
    inner = []

    def inner_pass(g):
        with cr.enable_grad():   # hooks run with grad mode off, as in PyTorch
            inner.append(cr.autograd.grad(trunk * 7.0, [x], retain_graph=True)[0].item())

    a.register_hook(inner_pass)
    (a + b).backward()
    assert inner == [28.0]           # 7 * 2x
    assert x.grad.item() == 32.0     # (3 + 5) * 2x


def test_a_backward_that_fails_halfway_leaves_no_partial_sums_behind():
    x = leaf(2.0)
    h = x * 3.0
    failures = []

    def fail_once(g):
        if not failures:
            failures.append(g.item())
            raise ValueError("hook failed")

    h.register_hook(fail_once)
    y = h * x + h          # when h's hook runs, x already holds a partial sum
    with pytest.raises(ValueError, match="hook failed"):
        y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 15.0     # d(3x^2 + 3x)/dx = 6x + 3, nothing left over from the failed pass


def test_intermediates_keep_grad_only_after_retain_grad():
    x = leaf(2.0)
    h, k = x * 3.0, x * 5.0
    h.retain_grad()
    (h * k).backward()
    assert h.grad.item() == 10.0
    assert k.grad is None


def test_no_grad_records_nothing_and_enable_grad_turns_it_back_on():
    x = leaf(1.0)
    with cr.no_grad():
        assert not cr.is_grad_enabled()
        y = x * 2
        with cr.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn.name == "mul"
    assert cr.is_grad_enabled()


def test_no_grad_as_a_decorator():
    @cr.no_grad()
    def double(t):
        return t * 2

    assert not double(leaf(1.0)).requires_grad


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    y = x * 1.0
    e = y.detach()
    e.data[0] = 7.0
    assert y.data[0] == 7.0


def test_changing_a_saved_input_in_place_is_caught():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    with cr.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match=r"argument 0 of op 'mul'.*changed after the op saved it \(now at version 1\)"):
        y.backward()


def test_changing_a_saved_output_in_place_is_caught():
    # The rule of exp reads its output: d e^x / dx = e^x.
    x = leaf([1.0, 2.0])
    e = cr.exp(x)
    with cr.no_grad():
        e.mul_(2.0)
    with pytest.raises(RuntimeError, match="its output of op 'exp'"):
        e.backward(gradient=np.ones(2))


def test_in_place_change_of_a_view_is_seen_by_its_base():
    x = leaf(np.ones((2, 2)))
    h = x * 1.0
    y = (h * h).sum()
    with cr.no_grad():
        h.reshape(4)[0] = 5.0
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


def test_in_place_on_a_tensor_that_requires_grad_needs_no_grad():
    x = leaf([1.0])
    for write in (lambda: x.add_(1.0), lambda: x.zero_(), lambda: x.__setitem__(0, 2.0)):
        with pytest.raises(RuntimeError, match="no_grad"):
            write()
    with cr.no_grad():
        x += 1.0
    assert x.data[0] == 2.0 and x._version == 1


def test_writing_a_tensor_that_requires_grad_into_a_plain_one_is_refused():
    plain = cr.zeros(2)
    with pytest.raises(RuntimeError, match="lose its gradient"):
        plain.copy_(leaf([1.0, 2.0]))


def test_vjp_failure_names_op_shapes_and_the_users_line():
    @cr.primitive
    def broken(x):
        return x * 2

    cr.defvjp(broken, lambda g, ans, x: g @ np.ones((5, 5)))
    x = leaf(np.ones(3))
    y, line = broken(x), inspect.currentframe().f_lineno
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "'broken'" in message and "(3,)" in message
    assert f"test_backward.py, line {line}" in message


def test_an_op_made_inside_chainrule_is_placed_at_the_users_line():
    # F.mse_loss creates its ops in chainrule's own files: the call site
    # recorded is the first frame outside the package, here.
    x = leaf(np.ones(3))
    inside = cr.tanh(x)
    y, line = cr.nn.functional.mse_loss(inside, np.zeros(3)), inspect.currentframe().f_lineno
    assert inside.grad_fn.where == (__file__, line - 1)
    assert y.grad_fn.where == (__file__, line)


def test_ops_from_two_functions_in_turn_are_each_placed_in_their_own():
    # The fast call remembers its last caller: alternating callers must not be mixed up.
    def double(t):
        return t * 2.0, inspect.currentframe().f_lineno

    def shift(t):
        return t + 1.0, inspect.currentframe().f_lineno

    x = leaf(1.0)
    a, line_a = double(x)
    b, line_b = shift(a)
    c, line_c = double(b)
    assert [t.grad_fn.where for t in (a, b, c)] == [(__file__, line_a), (__file__, line_b), (__file__, line_c)]
    assert line_a == line_c != line_b


def test_a_rule_returning_a_cotangent_of_the_wrong_size_is_named():
    @cr.primitive
    def doubled(x):
        return x * 2

    cr.defvjp(doubled, lambda g, ans, x: np.ones(4))   # x has 3 elements
    with pytest.raises(RuntimeError, match=r"backward of op 'doubled' failed for argument 0.*\(3,\)"):
        doubled(leaf(np.ones(3))).sum().backward()


def test_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError) as info:
        leaf(np.ones(3)) + cr.tensor(np.ones(4))
    assert "add" in str(info.value) and "(3,)" in str(info.value) and "(4,)" in str(info.value)


def test_weight_gradient_of_x_at_W_T_arrives_in_the_weights_layout():
    rng = np.random.default_rng(0)
    W, x = leaf(rng.normal(size=(5, 3))), rng.normal(size=(4, 3))
    cr.tanh(x @ W.T).sum().backward()
    g = 1 - np.tanh(x @ W.data.T) ** 2
    np.testing.assert_allclose(W.grad.data, g.T @ x)
    assert W.grad.data.flags.c_contiguous
