"""The product knowledge base (产品部知识库): what customers need, kept where product people read it."""
