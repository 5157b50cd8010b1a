# Seed tutorial 002 (a notebook: backward, y = w*x + b, no_grad). The notebook's random
# tensors are printed too; their values depend on the generator, everything else matches.
import torch

a = torch.tensor([5.], requires_grad=True)
b = torch.tensor([6.], requires_grad=True)
print(a)
print(b)
y = a**3 - b**2
print(y)
print(a.grad)
print(b.grad)
y.backward()
print(a.grad)
print(b.grad)

w = torch.randn(10, 1, requires_grad=True)
x = torch.randn(1, 10, requires_grad=True)
output = torch.matmul(x, w)+b
print(output.grad_fn)
loss = 1 - output
print(loss.grad_fn)
loss.backward()
print(torch.allclose(w.grad, -x.detach().t()))
with torch.no_grad():
    w = w - 0.001 * w.grad.data
print(w.requires_grad, w.grad_fn, w.shape)
