# Seed tutorial 000 ("Autograd ... graph computing"), as its code runs under torch.
# Typos fixed as torch itself needs them fixed: StartVector -> StartingVector,
# .backwards() -> .backward(); plots go to files instead of a window.
import math

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402,F401

StartingVector = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
print(StartingVector)

b = torch.sin(StartingVector)
plt.plot(StartingVector.detach(), b.detach())
print(b)

c = 2 * b
print(c)
d = c + 1
print(d)
out = d.sum()
print(out)

print(d.grad_fn)
print(d.grad_fn.next_functions)
print(d.grad_fn.next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].next_functions)

out.backward()
print(StartingVector.grad)
plt.plot(StartingVector.detach(), StartingVector.grad.detach())
plt.close("all")

a = torch.ones(2, 3, requires_grad=True)
a.requires_grad = False
b = 2 * a
with torch.no_grad():
    c = a + b
print(c)
