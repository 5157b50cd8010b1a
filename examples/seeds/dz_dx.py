# Seed tutorial 001 ("What is autograd in PyTorch").
import torch

# Create tensors with requires_grad=True to track computation
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
# Define a function of x and y
z = x * y + y ** 2
# Compute gradients
z.backward()
print(f"dz/dx: {x.grad}")  # Should print gradient of z w.r.t x
print(f"dz/dy: {y.grad}")  # Should print gradient of z w.r.t y
