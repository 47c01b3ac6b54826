print("lyrica")
