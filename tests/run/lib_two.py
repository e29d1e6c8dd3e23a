print("py")
