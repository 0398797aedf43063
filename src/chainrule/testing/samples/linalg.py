"""Sample inputs for matmul and einsum: 1-D, 2-D, batched and broadcast-batch
operands; einsum with implicit output, ellipsis and diagonals."""


def _matmul(d):
    return [
        ((d.normal(3, 4), d.normal(4, 2)), {}),
        ((d.normal(4), d.normal(4)), {}),              # inner product, 0-d result
        ((d.normal(4), d.normal(4, 3)), {}),           # vector times matrix
        ((d.normal(3, 4), d.normal(4)), {}),           # matrix times vector
        ((d.normal(2, 3, 4), d.normal(2, 4, 5)), {}),  # batched
        ((d.normal(2, 1, 3, 4), d.normal(5, 4, 2)), {}),  # batch axes broadcast
        ((d.normal(4), d.normal(2, 4, 3)), {}),        # vector with a stack
        ((d.normal(2, 3, 4), d.normal(4)), {}),        # stack with a vector
    ]


def _einsum(d):
    return [
        ((d.normal(3, 4), d.normal(4, 2)), {"subscripts": "ij,jk->ik"}),
        ((d.normal(3, 4), d.normal(4, 2)), {"subscripts": "ij,jk"}),          # implicit output
        ((d.normal(3, 3),), {"subscripts": "ii->i"}),                        # diagonal
        ((d.normal(3, 3),), {"subscripts": "ii"}),                           # trace
        ((d.normal(3, 4),), {"subscripts": "ij->"}),
        ((d.normal(2, 3), d.normal(3)), {"subscripts": "ij,j->ij"}),
        ((d.normal(2, 1, 3, 4), d.normal(5, 4, 2)), {"subscripts": "...ij,...jk->...ik"}),
        ((d.normal(3), d.normal(4), d.normal(3, 4)), {"subscripts": "i,j,ij->"}),
        ((d.normal(2, 2, 3), d.normal(3, 5)), {"subscripts": "iij,jk->ik"}),  # diagonal times matrix
        ((d.normal(), d.normal(3)), {"subscripts": ",i->i"}),                # 0-d operand
    ]


SAMPLES = {"matmul": _matmul, "einsum": _einsum}
